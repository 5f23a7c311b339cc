"""Chunk boundaries: one strategy per passage, with its heading path."""

from __future__ import annotations

import pytest

from knowledge.ingest.chunking import MAX_CHARS, chunk_text, heading_text
from knowledge.ingest.pipeline import bundled_documents, passage_records


@pytest.fixture(scope="module")
def passages():
    return {d.name[:3]: passage_records(d) for d in bundled_documents()}


def _containing(records, phrase):
    return [r for r in records if phrase in (r.original or r.text)]


def test_each_existing_segment_is_its_own_passage_with_its_path(passages) -> None:
    records = passages["002"]
    for code in ("EI", "EII", "EIII", "EIV"):
        (found,) = [r for r in records if r.heading == f"기존 고객 안정화 › {code}"]
        assert f"{code} 고객은" in found.text
    # No passage runs from one segment's strategy into the next.
    assert not any("1) EI " in r.text and "2) EII" in r.text for r in records)


def test_countermeasures_are_separate_passages_under_their_segment(passages) -> None:
    records = passages["002"]
    eii = [r for r in records if r.heading.startswith("기존 고객 안정화 › EII › ")]
    assert len(eii) == 3
    assert all("대책:" in r.text for r in eii)
    pii = [r for r in records if r.heading.startswith("잠재고객 돌파 › PII › ")]
    assert len(pii) == 3


def test_bare_list_of_exit_barriers_is_one_passage(passages) -> None:
    (barriers,) = _containing(passages["001"], "讓大客戶產生技術依賴")
    assert "給予大客戶特殊的培訓和支持" in barriers.text
    assert barriers.heading.endswith("鞏固退出障礙")


def test_negotiation_tactics_do_not_share_a_passage(passages) -> None:
    records = passages["004"]
    for n in "一二三四五":
        tactic = f"與大客戶談判的技巧{n}、"
        assert _containing(records, tactic)
        for other in "一二三四五":
            if other != n:
                assert not any(
                    tactic in r.text and f"與大客戶談判的技巧{other}、" in r.text for r in records
                )


def test_inline_enumerated_steps_are_split(passages) -> None:
    steps = [r for r in passages["003"] if r.text.startswith(("第一,", "第二,", "第三,"))]
    assert len(steps) >= 6


def test_passages_stay_under_the_size_limit(passages) -> None:
    for records in passages.values():
        assert all(len(r.text) <= MAX_CHARS + 60 for r in records)


def test_outline_markers_of_every_style_start_passages() -> None:
    text = "\n".join(
        [
            "一、如何感化客戶",
            "大客戶對企業的重要性幾乎是人盡皆知。",
            "第一:讓客戶對企業產生情感依賴。企業與客戶建立良好的人際關系。",
            "第二:做出獨一無二的產品。這是不可替代的。",
            "二、我們不僅重要",
            "當企業在客戶心中成為不可替代的時候。",
        ]
    )
    chunks = chunk_text(text)
    paths = [heading_text(c.heading_path) for c in chunks]
    assert paths == [
        "如何感化客戶",
        "如何感化客戶 › 讓客戶對企業產生情感依賴",
        "如何感化客戶 › 做出獨一無二的產品",
        "我們不僅重要",
    ]


def test_short_heading_line_becomes_the_path_of_what_follows() -> None:
    chunks = chunk_text("태도가 결과를 결정합니다\n고객에게 구걸하는 태도를 취해서는 안 됩니다.")
    assert chunks[0].heading_path == ("태도가 결과를 결정합니다",)
