"""Knowledge gaps: "I don't know", 👎 and weak searches, grouped so the most asked
missing topic comes first; `advisor gaps`."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

from click.testing import CliRunner

from advisor.answering.confidence import ConfidenceRules
from advisor.answering.service import Advisor
from advisor.cli import main
from advisor.reports.gaps import (
    DONT_KNOW,
    THUMBS_DOWN,
    WEAK_RETRIEVAL,
    GapEntry,
    GapLog,
    gap_entries,
    gap_lines,
    gap_report,
)
from advisor.users.store import UserStore

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def entry(
    question: str, language: str = "en", source: str = "dont_know", days: int = 0
) -> GapEntry:
    return GapEntry(question, language, source, T0 + dt.timedelta(days=days))


def test_near_duplicates_group_and_the_most_asked_come_first() -> None:
    groups = gap_report(
        [
            entry("How do I price a multi-year service contract?"),
            entry("how do i price a multi year service contract"),
            entry("How do I price a multi-year service contract?", source="thumbs_down", days=2),
            entry("What is a good trade show booth?", days=1),
            entry("多年服务合同如何定价？", "zh"),
            entry("多年服務合同如何定價?", "zh-Hant", days=3),  # traditional folds to simplified
            entry("The customer demands a price cut on the contract"),  # another situation
        ]
    )
    assert [g.count for g in groups] == [3, 2, 1, 1]
    first = groups[0]
    assert first.question == "How do I price a multi-year service contract?"
    assert first.sources == {"dont_know": 2, "thumbs_down": 1}
    assert first.last_at == T0 + dt.timedelta(days=2)
    assert groups[1].language == "zh" and groups[1].count == 2
    assert groups[-1].situations == ("price-cut-demand",) or groups[-2].situations == (
        "price-cut-demand",
    )
    lines = gap_lines(groups)
    assert lines[0] == "1. [en] How do I price a multi-year service contract?"
    assert "3× (dont_know 2, thumbs_down 1)" in lines[1]
    assert gap_lines([]) == ["no knowledge gaps recorded"]


def test_thumbs_down_come_from_the_feedback_table_when_it_is_at_hand(tmp_path) -> None:
    log = GapLog(tmp_path / "gaps.jsonl", clock=lambda: T0)
    log.record("weather?", "en", DONT_KNOW)
    log.record("why this answer?", "en", THUMBS_DOWN)
    log.record("loyalty programme", "en", WEAK_RETRIEVAL, score=0.01)
    with UserStore(f"sqlite:///{tmp_path / 'advisor.db'}", now=lambda: T0) as users:
        kept = users.exchange(users.record_exchange(5, "why this answer?", "en", None))
        taken_back = users.exchange(users.record_exchange(5, "changed my mind", "en", None))
        users.record_feedback(kept, -1)
        users.record_feedback(taken_back, -1)
        users.record_feedback(taken_back, 1)  # 👎 then 👍: no longer a gap
        feedback = users.all_feedback()
    found = gap_entries(log.entries(), feedback)
    assert sorted((e.question, e.source) for e in found) == [
        ("loyalty programme", "weak_retrieval"),
        ("weather?", "dont_know"),
        ("why this answer?", "thumbs_down"),
    ]
    assert next(e for e in found if e.source == "weak_retrieval").score == 0.01
    assert len(gap_entries(log.entries())) == 3  # without the table, the log's own 👎 line
    assert gap_entries(log.entries(), feedback, since=T0.date() + dt.timedelta(days=1)) == []


def _with_margin(knowledge_base, margin: float):
    """The knowledge base's retrieval with the evidence set to a given margin."""
    real = knowledge_base.retrieve

    def retrieve(question, k=5, filters=None):
        found = real(question, k, filters)
        evidence = replace(found.evidence, card_similarity=0.9, outside_similarity=0.9 - margin)
        return replace(found, evidence=evidence)

    return retrieve


def test_an_unsure_answer_is_a_weak_retrieval_gap_and_a_refusal_a_dont_know(
    knowledge_base, tmp_path, monkeypatch
) -> None:
    log = GapLog(tmp_path / "gaps.jsonl", clock=lambda: T0)
    advisor = Advisor(
        knowledge_base,
        gaps=log,
        confidence_rules=ConfidenceRules(refuse_below=0.0, sure_from=0.015),
    )
    monkeypatch.setattr(knowledge_base, "retrieve", _with_margin(knowledge_base, 0.05))
    sure = advisor.ask("A key account demands a 30% price cut. What should I do?")
    monkeypatch.setattr(knowledge_base, "retrieve", _with_margin(knowledge_base, 0.005))
    unsure = advisor.ask("Tell me about key accounts")
    monkeypatch.setattr(knowledge_base, "retrieve", _with_margin(knowledge_base, -0.02))
    refused = advisor.ask("Which trade show booth size should we book?")
    assert sure.known and unsure.known and not refused.known
    assert "not sure" in unsure.text and "not sure" not in sure.text
    reasons = [(e["question"], e["reason"]) for e in log.entries()]
    assert reasons == [
        ("Tell me about key accounts", WEAK_RETRIEVAL),
        ("Which trade show booth size should we book?", DONT_KNOW),
    ]
    assert log.entries()[-1]["at"] == "2026-11-02T09:00:00+00:00"


def test_advisor_gaps_lists_groups_or_json(advisor_home) -> None:
    log = GapLog(advisor_home / "logs" / "knowledge_gaps.jsonl", clock=lambda: T0)
    for question in ("trade show booth?", "Trade show booth", "weather in Paris"):
        log.record(question, "en", DONT_KNOW)
    runner = CliRunner()
    text = runner.invoke(main, ["gaps"])
    assert text.exit_code == 0 and text.output.startswith("1. [en] trade show booth?")
    data = json.loads(runner.invoke(main, ["gaps", "--json"]).output)
    assert [g["count"] for g in data] == [2, 1]
    assert data[0]["variants"] == ["trade show booth?", "Trade show booth"]
    assert json.loads(runner.invoke(main, ["gaps", "--json", "--since", "2026-11-03"]).output) == []
    bad = runner.invoke(main, ["gaps", "--since", "yesterday"])
    assert bad.exit_code == 2 and "not a date" in bad.output
