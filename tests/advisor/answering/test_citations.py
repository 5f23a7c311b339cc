"""Which of a card's passages an answer cites."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

from advisor.answering.composer import _cited_passages, compose
from advisor.answering.planner import Choice, Plan
from knowledge.cards import Card, load_cards
from knowledge.search.index import PASSAGE, Record
from knowledge.search.retrieval import Hit


def passage(pid: str, source: str) -> Record:
    return Record(id=pid, kind=PASSAGE, text=f"text of {pid}", language="ko", source=source)


class Passages:
    def __init__(self, passages: Sequence[Record]) -> None:
        self.passages = list(passages)

    def card_passages(self, card_id: str) -> Sequence[Record]:
        return self.passages


CARD = SimpleNamespace(id="c")


def cited(passages: Sequence[Record], ranked: Sequence[str], limit: int = 2) -> list[str]:
    by_id = {p.id: p for p in passages}
    hits = [Hit(by_id[pid], 1.0 / (i + 1), "c") for i, pid in enumerate(ranked)]
    return [p.id for p in _cited_passages(CARD, Passages(passages), hits, limit=limit)]


def test_a_card_told_by_two_sources_cites_each_source_once_before_either_twice() -> None:
    passages = [
        passage("ko-1", "000.txt"),
        passage("ko-2", "000.txt"),
        passage("zh-1", "003.txt"),
        passage("zh-2", "003.txt"),
    ]
    # Search ranked both Korean passages above the Chinese ones.
    assert cited(passages, ["ko-2", "ko-1", "zh-2", "zh-1"]) == ["ko-2", "zh-2"]


def test_one_source_cites_its_best_ranked_passages_in_search_order() -> None:
    passages = [passage("a", "000.txt"), passage("b", "000.txt"), passage("c", "000.txt")]
    assert cited(passages, ["c", "a"]) == ["c", "a"]


def test_passages_search_did_not_rank_keep_the_card_order() -> None:
    passages = [passage("a", "000.txt"), passage("b", "003.txt"), passage("c", "000.txt")]
    assert cited(passages, []) == ["a", "b"]
    assert cited(passages, [], limit=3) == ["a", "b", "c"]


def test_with_similarities_the_passages_closest_to_the_question_are_cited() -> None:
    # A study of six steps: the question is about step five, which search did not rank.
    passages = [passage(f"step-{i}", "003.txt") for i in range(1, 7)]
    by_id = {p.id: p for p in passages}
    hits = [Hit(by_id["step-1"], 1.0, "c")]
    similarity = {p.id: 0.80 for p in passages} | {"step-5": 0.91, "step-4": 0.85}
    chosen = _cited_passages(CARD, Passages(passages), hits, similarity=similarity)
    assert [p.id for p in chosen] == ["step-5", "step-4"]


def test_closeness_outranks_source_variety() -> None:
    passages = [passage("ko-1", "000.txt"), passage("ko-2", "000.txt"), passage("zh-1", "003.txt")]
    similarity = {"ko-1": 0.9, "ko-2": 0.88, "zh-1": 0.7}
    chosen = _cited_passages(CARD, Passages(passages), [], similarity=similarity)
    assert [p.id for p in chosen] == ["ko-1", "ko-2"]


def test_without_a_similarity_for_every_passage_search_order_decides() -> None:
    passages = [passage("ko-1", "000.txt"), passage("ko-2", "000.txt"), passage("zh-1", "003.txt")]
    by_id = {p.id: p for p in passages}
    hits = [Hit(by_id["ko-2"], 1.0, "c")]
    chosen = _cited_passages(CARD, Passages(passages), hits, similarity={"ko-1": 0.99})
    assert [p.id for p in chosen] == ["ko-2", "zh-1"]


class BundledCards:
    """The bundled cards, each retelling one made-up passage: enough for the composer."""

    def __init__(self) -> None:
        self.cards = {c.id: c for c in load_cards()}

    def card(self, card_id: str) -> Card:
        return self.cards[card_id]

    def all_cards(self) -> Sequence[Card]:
        return list(self.cards.values())

    def card_passages(self, card_id: str) -> Sequence[Record]:
        return [passage(f"{card_id}-1", "000.txt")]


def answer_text(plan: Plan, lang: str) -> str:
    return compose(plan, language=lang, traditional=False, account=None, knowledge=BUNDLED).text


BUNDLED = BundledCards()


def test_an_answer_shows_every_step_of_a_card_of_six() -> None:
    study = BUNDLED.card("def-study-six-steps")
    text = answer_text(Plan(lead=(Choice(study, 1.0),)), "zh")
    assert len(study.actions["zh"]) == 6
    for step in study.actions["zh"]:
        assert step.rstrip("。") in text


def test_an_answer_whose_stage_gave_way_says_so_in_each_language() -> None:
    lead = (Choice(BUNDLED.card("pro-pii-c-stronger-competitor"), 1.0),)
    expected = {
        "en": "written for a prospect",
        "ko": "지침에 따라 아직 계약 전인 잠재 고객으로 가정하고",
        "zh": "是针对尚未成交的潜在客户的",
    }
    for lang, words in expected.items():
        text = answer_text(Plan(lead=lead, stage_unknown=True, stage_reread=True), lang)
        assert words in text, (lang, text)
        assert words not in answer_text(Plan(lead=lead, stage_unknown=True), lang)
