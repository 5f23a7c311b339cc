"""Account briefs: sections in three languages, urgency order, JSON contract, chart."""

from __future__ import annotations

import pytest

from advisor.reports.brief import build_brief
from knowledge.textnorm import to_simplified

SECTIONS = {
    "en": [
        "## Segment",
        "## Key figures",
        "## Risk signals",
        "## Recommended actions",
        "## Negotiation preparation",
        "## Talking points",
        "## Rep time",
        "## Sources",
    ],
    "ko": [
        "## 세그먼트",
        "## 주요 수치",
        "## 위험 신호",
        "## 권장 조치",
        "## 협상 준비",
        "## 다음 방문 시 대화 포인트",
        "## 이 고객에게 쓸 영업 시간",
        "## 출처",
    ],
    "zh": [
        "## 客户分类",
        "## 关键数据",
        "## 风险信号",
        "## 建议行动",
        "## 谈判准备",
        "## 下次拜访的沟通要点",
        "## 该客户应投入的销售时间",
        "## 出处",
    ],
}


@pytest.mark.parametrize("lang", ["en", "ko", "zh"])
def test_brief_has_every_section_in_the_readers_language(
    knowledge_base, sample_directory, lang
) -> None:
    brief = build_brief("A001", sample_directory, knowledge_base, lang=lang)
    for heading in SECTIONS[lang]:
        assert heading in brief.markdown
    assert "ABC Trading" in brief.markdown
    assert "EI" in brief.markdown and "EII" in brief.markdown  # now and a quarter ago


def test_traditional_chinese_brief(knowledge_base, sample_directory) -> None:
    brief = build_brief("A003", sample_directory, knowledge_base, lang="zh", traditional=True)
    head = brief.markdown.split("## ")[1]
    assert to_simplified(head) != head


def test_actions_are_ordered_by_urgency(knowledge_base, sample_directory) -> None:
    brief = build_brief("A001", sample_directory, knowledge_base)
    # A001's high risks: sharp decline, partial defection, competitor offer.
    first = knowledge_base.card(brief.actions[0].card_id)
    assert {"competitor-offer", "partial-defection", "sharp-decline"} & set(first.situations)
    assert 3 <= len(brief.actions) <= 5


def test_brief_json_contract(knowledge_base, sample_directory, tmp_path) -> None:
    chart = tmp_path / "a001.png"
    data = build_brief("A001", sample_directory, knowledge_base, chart=chart).as_json()
    assert {"account_id", "segment", "risks", "actions", "tactics", "citations", "markdown"} <= set(
        data
    )
    assert data["account_id"] == "A001" and data["segment"] == "EII"
    assert data["previous_segment"] == "EI"
    assert [r["code"] for r in data["risks"]]
    assert all({"source", "text"} <= set(c) for c in data["citations"])
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert data["hours_per_week"] and data["hours_per_week"] > 0


def test_a_steady_account_has_no_risks_and_still_a_plan(knowledge_base, sample_directory) -> None:
    brief = build_brief("A002", sample_directory, knowledge_base)
    assert brief.account.risks == ()
    assert "seg-ei-integrate" in {a.card_id for a in brief.actions}


def test_at_risk_ids_are_most_severe_first(sample_directory) -> None:
    ids = sample_directory.at_risk_ids()
    assert "A001" in ids and "A002" not in ids
    kim = sample_directory.at_risk_ids("kim.minji")
    assert kim and all(sample_directory.record(i, "en").owner == "kim.minji" for i in kim)
