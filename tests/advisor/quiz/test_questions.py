"""Quiz generation: every question has exactly one right answer, and every explanation
cites a real passage of the card it explains, in all three languages."""

from __future__ import annotations

import pytest

from advisor.chat.quiz import question_reply_parts, result_parts
from advisor.chat.text import Lang
from advisor.quiz import Posed, QuizBank, QuizError, Result
from advisor.quiz.questions import excerpt, misconception_statements
from advisor.quiz.texts import OTHER_TOPIC, segment_strategy, topic_of, topics
from knowledge.cards import load_cards
from knowledge.textnorm import match_key

LANGS = ("en", "ko", "zh")


@pytest.fixture(scope="module")
def bank(knowledge_base, sample_directory) -> QuizBank:
    return QuizBank(knowledge_base, sample=lambda: sample_directory.analysis)


@pytest.fixture(scope="module")
def every_question(bank: QuizBank):
    """Each card's drills, each asked twice (two variants), in each language."""
    out = []
    for card in bank.cards:
        for variant in range(2 * len(bank.drills(card))):
            for lang in LANGS:
                out.append(bank.question_for(card.id, variant, lang))
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_every_card_is_drilled_and_every_drill_kind_occurs(bank: QuizBank) -> None:
    kinds = {kind for card in bank.cards for kind in bank.drills(card)}
    assert kinds == {"seg", "str", "sit", "act", "tf"}
    assert len(bank.cards) == len(load_cards())
    assert all(topic_of(card) != OTHER_TOPIC for card in bank.cards)  # the topic list is complete
    assert {t.id for t in topics()} >= {
        "segments",
        "churn",
        "negotiation",
        "framework-124",
        "loyalty",
        "defectors",
        "offseason",
        "cycle",
    }


def test_every_question_has_exactly_one_right_answer(bank, every_question, knowledge_base) -> None:
    cards = {c.id: c for c in knowledge_base.all_cards()}
    strategies = segment_strategy()
    for q in every_question:
        assert len(q.options) == (2 if q.kind == "tf" else 4), q.id
        assert len(set(q.options)) == len(q.options), q.id  # no option twice
        assert 0 <= q.correct < len(q.options)
        card = cards[q.card_id]
        if q.kind == "sit":
            by_title = {c.title[q.lang]: c for c in cards.values()}
            situation = card.situations[int(q.id.rsplit(":", 1)[1]) % len(card.situations)]
            wrong = [by_title[o] for i, o in enumerate(q.options) if i != q.correct]
            excluded = set(card.situations) if card.kind == "negotiation-tactic" else {situation}
            # The cards' own tags rule every wrong option out.
            assert situation in card.situations
            assert all(not excluded & set(w.situations) for w in wrong), q.id
        elif q.kind == "act":
            assert q.answer in card.actions[q.lang]
            others = [o for i, o in enumerate(q.options) if i != q.correct]
            assert not set(others) & set(card.actions[q.lang]), q.id
        elif q.kind == "seg":
            account = q.id.split(":", 2)[2]
            segment = bank._sample.account(account, "en")["segment"]
            assert q.answer.startswith(f"{segment}:") or q.answer.startswith(f"{segment}：")
            assert strategies[segment] == q.card_id
            assert q.follow_up == f"str:{segment}:{q.follow_up.rsplit(':', 1)[1]}"
        elif q.kind == "str":
            segment = q.id.split(":")[1]
            assert q.answer == cards[strategies[segment]].title[q.lang]
        elif q.kind == "tf":
            assert q.options == ("True", "False") if q.lang == "en" else len(q.options) == 2


def test_every_explanation_cites_a_real_passage_of_its_card(every_question, knowledge_base) -> None:
    by_id = knowledge_base.retriever.by_id
    cards = {c.id: c for c in knowledge_base.all_cards()}
    for q in every_question:
        card = cards[q.card_id]
        assert q.explanation.splitlines()[1] == card.title[q.lang]
        assert card.summary[q.lang] in q.explanation
        assert q.source is not None, q.id
        passage = by_id[q.source.passage_id]
        assert passage.source == q.source.source
        assert q.source.text.strip("…") in _flat(passage.text)  # quoted, not made up
        quotes = [match_key(a.quote) for a in card.anchors if a.source == passage.source]
        passage_key = match_key(passage.original or passage.text) + match_key(passage.text)
        assert any(quote in passage_key for quote in quotes), q.id


def test_questions_are_in_the_askers_language(bank: QuizBank) -> None:
    seg = {lang: bank.question_for("seg-eii-convert", 0, lang) for lang in LANGS}
    assert "Which segment" in seg["en"].prompt and "bought in" in seg["en"].prompt
    assert "세그먼트" in seg["ko"].prompt and "개월" in seg["ko"].prompt
    assert "哪一类" in seg["zh"].prompt and "个月" in seg["zh"].prompt
    tactic = bank.question("sit:neg-self-audit:0", "zh")
    assert tactic.answer == "自查自纠，弥补漏洞，一举夺标"
    # Same id, same question and the same order of options, whatever the language.
    assert [bank.question(seg["en"].id, lang).correct for lang in LANGS] == [seg["en"].correct] * 3
    assert bank.question(seg["en"].id, "en") == seg["en"]


def test_the_price_cut_scene_asks_for_the_self_audit_tactic(bank: QuizBank, knowledge_base) -> None:
    q = bank.question("sit:neg-self-audit:0", "en")
    assert "demands a big price cut" in q.prompt and "tactic" in q.prompt
    assert q.answer.startswith("Audit yourself")
    price_cut = {
        c.title["en"] for c in knowledge_base.all_cards() if "price-cut-demand" in c.situations
    }
    assert not price_cut & (set(q.options) - {q.answer})


def test_a_segment_drill_is_followed_by_its_strategy(bank: QuizBank) -> None:
    q = bank.question("seg:seg-eii-convert:A001", "en")  # ABC Trading: EI → EII
    assert q.answer == "EII: high contribution, unstable"
    assert "top 20% by revenue" in q.prompt and "bought in 12 of 12 months" in q.prompt
    assert "ABC Trading" not in q.prompt and "A001" not in q.prompt  # facts only, no names
    follow = bank.question(q.follow_up, "en")
    assert follow.kind == "str" and follow.answer.startswith("EII (high contribution, unstable)")


def test_misconceptions_become_false_statements() -> None:
    found = {s.card_id: s for s in misconception_statements(load_cards())}
    assert set(found) == {
        "core-not-every-customer",
        "mis-more-discounts",
        "mis-volume-vs-profit",
        "mis-old-approach",
        "mis-abandon-small",
    }
    belief = found["mis-more-discounts"]
    assert not belief.holds
    assert belief.text["en"] == "The more discounts and rebates a big customer gets, the better"
    assert belief.text["zh"] == "给大客户的优惠政策越多越好"


def test_unknown_ids_are_a_quiz_error(bank: QuizBank) -> None:
    for bad in (
        "sit:no-such-card:0",
        "seg:seg-eii-convert:A999",
        "str:EX:1",
        "zz:core-80-20:0",
        "act:core-80-20:x",
        "sit:core-80-20:0",
    ):
        with pytest.raises(QuizError):
            bank.question(bad, "en")


def test_the_excerpt_starts_near_the_anchor_quote() -> None:
    text = "intro " * 100 + "THE QUOTE is here " + "tail " * 100
    cut = excerpt(text, ["THE QUOTE"], width=60)
    assert cut.startswith("…") and "THE QUOTE" in cut and cut.endswith("…")
    assert excerpt("short text", ["missing"]) == "short text"


def test_views_number_the_options_and_localise_traditional(bank: QuizBank) -> None:
    q = bank.question("sit:neg-self-audit:0", "zh")
    parts, keyboard = question_reply_parts(Posed(7, q, "zh-Hant"), Lang("zh", True))
    assert "自查自糾" in parts[2] and "1. " in parts[2]
    assert [b.data for b in keyboard[0]] == [f"qa:7:{n}" for n in range(4)]
    shown = result_parts(Result(Posed(7, q, "zh-Hant"), q.correct, True), Lang("zh", True))
    assert shown[0].startswith("✅") and "出處" in shown[2]
