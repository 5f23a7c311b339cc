"""`advisor eval answers`: the metrics of shared/eval/ANSWERS.md, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.answering.composer import Answer, Citation
from advisor.answering.evaluation import AnswerQuestion, evaluate_answers, expected_language
from advisor.cli import main
from knowledge.search.index import PASSAGE, Record

DATA = Path(__file__).resolve().parents[2] / "data"


def _answer(text: str, known: bool = True, cited: str = "") -> Answer:
    citations = (
        (Citation(1, Record("p", PASSAGE, cited, "zh-Hant", "s.txt"), None),) if cited else ()
    )
    return Answer(text=text, body=text, language="en", known=known, citations=citations)


def test_the_four_figures_by_hand() -> None:
    questions = [
        AnswerQuestion("a", "en", "q1", ("大客戶(hù)的經營惰性",), "risk"),
        AnswerQuestion("b", "zh", "客戶老闆已經拍板了", ("最大限度",), "segment"),
        AnswerQuestion("o", "ko", "내일 날씨?", (), "out-of-scope"),
    ]
    replies = {
        # gold found after normalisation: pinyin removed, traditional folded, spaces removed
        "q1": _answer("Do this.", cited="大客户 的经营惰性容易贻误企业发展"),
        "客戶老闆已經拍板了": _answer("客户已经决定。", cited="无关"),  # simplified, not zh-Hant
        "내일 날씨?": _answer("잘 모르겠습니다.", known=False),
    }
    result = evaluate_answers(questions, lambda q: replies[q]).as_json()
    assert result["overall"] == {
        "n": 3,
        "language": round(2 / 3, 4),
        "grounded": 0.5,
        "answered": 1.0,
        "refused": 1.0,
    }
    assert result["by_language"]["zh"]["grounded"] == 0.0
    assert [m["id"] for m in result["misses"]] == ["b"]
    assert expected_language(questions[1]) == "zh-Hant"


def test_eval_answers_json_contract(advisor_home, use_fake_embedder, tmp_path) -> None:
    questions = tmp_path / "set.jsonl"
    questions.write_text(
        "\n".join(
            json.dumps(q, ensure_ascii=False)
            for q in [
                {
                    "id": "x1",
                    "lang": "en",
                    "question": "A key account wants a 30% price cut. What now?",
                    "gold": ["30%"],
                    "topic": "negotiation",
                    "expect": "…",
                },
                {
                    "id": "x2",
                    "lang": "ko",
                    "question": "CRM 비밀번호 초기화 방법?",
                    "gold": [],
                    "topic": "out-of-scope",
                    "expect": "I don't know",
                },
            ]
        ),
        "utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(main, ["eval", "answers", str(questions), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["n"] == 2 and set(data["by_language"]) == {"en", "ko"}
    assert set(data["overall"]) == {"n", "language", "grounded", "answered", "refused"}
    text = runner.invoke(main, ["eval", "answers", str(questions)])
    assert text.exit_code == 0 and "overall" in text.output


def test_a_broken_line_is_named(advisor_home, use_fake_embedder, tmp_path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', "utf-8")
    result = CliRunner().invoke(main, ["eval", "answers", str(bad)])
    assert result.exit_code == 1 and f"{bad}:1:" in result.output


@pytest.mark.slow
def test_the_development_set_reaches_its_targets_with_the_real_model(tmp_path) -> None:
    """End to end, as a user runs it: the bundled model, a fresh home, the CLI."""
    env = {"ADVISOR_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    repo = Path(__file__).resolve().parents[3]
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "advisor.cli",
            "eval",
            "answers",
            str(DATA / "answer_dev.jsonl"),
            "--json",
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    overall = result["overall"]
    assert overall["language"] == 1.0
    assert overall["answered"] >= 0.95 and overall["refused"] >= 0.9
    assert overall["grounded"] >= 0.75
