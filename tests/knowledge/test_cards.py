"""`knowledge check`: the bundled cards pass, and every rule catches its breach."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from knowledge.cards import CARDS_DIR, check_cards, load_cards, vocabulary
from knowledge.ingest.pipeline import bundled_source_texts


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return bundled_source_texts()


@pytest.fixture(scope="module")
def cards():
    return load_cards()


def test_bundled_cards_pass_every_check(cards, sources) -> None:
    assert check_cards(cards, sources) == []


def test_cards_cover_every_source_and_the_whole_vocabulary(cards) -> None:
    assert 60 <= len(cards) <= 160
    assert {a.source for c in cards for a in c.anchors} == set(bundled_source_texts())
    vocab = vocabulary()
    assert {s for c in cards for s in c.segments} >= set(vocab["segments"]) - {"PIII", "PIV"}
    assert {c.stage for c in cards} == set(vocab["stages"])
    assert {c.kind for c in cards} == set(vocab["kinds"])
    tactics = [c for c in cards if c.kind == "negotiation-tactic"]
    assert len(tactics) >= 5 and all(c.when and c.risk for c in tactics)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: replace(c, id="Bad Id"), "id must be"),
        (lambda c: replace(c, title={**c.title, "ko": ""}), "title.ko is missing"),
        (
            lambda c: replace(c, summary={**c.summary, "en": "대형 고객을 지킵니다"}),
            "summary.en is not written in en",
        ),
        (
            lambda c: replace(c, summary={**c.summary, "zh": "Keep the big customer"}),
            "summary.zh is not written in zh",
        ),
        (
            lambda c: replace(c, actions={**c.actions, "zh": c.actions["zh"][:-1]}),
            "action counts differ",
        ),
        (lambda c: replace(c, segments=("EV",)), "unknown segment"),
        (lambda c: replace(c, situations=("bored",)), "unknown situation"),
        (lambda c: replace(c, stage="sleep"), "unknown stage"),
        (lambda c: replace(c, kind="poem"), "unknown kind"),
        (
            lambda c: replace(c, anchors=(replace(c.anchors[0], quote="这句话不在原文里"),)),
            "quote not found",
        ),
        (
            lambda c: replace(c, anchors=(replace(c.anchors[0], source="999.txt"),)),
            "unknown source",
        ),
        (lambda c: replace(c, kind="negotiation-tactic", when=None), "needs `when`"),
    ],
)
def test_each_rule_catches_its_breach(cards, sources, change, message) -> None:
    broken = change(cards[0])
    problems = check_cards([broken], sources)
    assert any(message in p for p in problems), problems


def test_duplicate_ids_are_caught(cards, sources) -> None:
    problems = check_cards([cards[0], cards[0]], sources)
    assert any("id already used" in p for p in problems)


def test_a_card_file_is_plain_data(tmp_path: Path) -> None:
    for path in CARDS_DIR.glob("*.yaml"):
        document = yaml.safe_load(path.read_text("utf-8"))
        assert set(document) <= {"topic", "cards"}


def test_parsed_cards_are_cached_by_content(tmp_path: Path) -> None:
    """The JSON copy gives the same cards, and an edited file is read again."""
    from knowledge.cards import CARDS_DIR, load_cards
    from knowledge.yamlfile import load_yaml_file

    cache = tmp_path / "cache"
    assert load_cards(cache_dir=cache) == load_cards() == load_cards(cache_dir=cache)
    assert len(list(cache.glob("*.json"))) == len(list(CARDS_DIR.glob("*.yaml")))
    path = tmp_path / "doc.yaml"
    path.write_text("a: 1\n")
    assert load_yaml_file(path, cache) == {"a": 1}
    path.write_text("a: 2\n")
    assert load_yaml_file(path, cache) == {"a": 2}
    assert len(list(cache.glob("doc-*.json"))) == 1  # the old copy is gone
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert load_yaml_file(path, blocked / "cache") == {"a": 2}  # no cache, no error
