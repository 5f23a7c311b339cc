"""Question generators: pure functions from cards (and sample-portfolio facts) to questions.

Every generator builds one right option and draws the wrong ones so that the
cards' own tags rule them out: a situation drill's distractors carry none of the
situations asked about, a recall drill's wrong steps come from other cards, a
segment drill's options are distinct segments. So each question has exactly one
right answer by construction, and the tests check it again.

A question's id names its generator, its card and its variant
(`sit:neg-self-audit:1`); the same id gives the same question, options in the
same order, in any language, so a question asked before a restart can still be
answered after it.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from advisor.i18n.catalogue import QUIZ
from advisor.quiz.texts import Statement, scenario, topic_of
from knowledge.cards import Card, vocabulary
from knowledge.search.index import Record
from knowledge.textnorm import to_simplified, to_traditional

OPTIONS = 4
EXCERPT_CHARS = 320  # of the source passage shown under an explanation
SITUATION_KINDS = ("countermeasure", "negotiation-tactic", "strategy", "risk")
SEGMENT_CHOICES = {
    "E": ("EI", "EII", "EIII", "EIV"),
    "P": ("PI", "PII", "PIII", "PIV"),
    "F": ("F", "PI", "PIV", "EIV"),
}
_MISCONCEPTION = {
    "en": re.compile(r"^Misconception(?:\s*\d+)?\s*:\s*"),
    "ko": re.compile(r"^오해(?:\s*\d+)?\s*:\s*"),
    "zh": re.compile(r"^误区[一二三四五六七八九十\d]*\s*[:：]\s*"),
}


class Cards(Protocol):
    """What the generators read: the cards and the passages each one retells."""

    def card(self, card_id: str) -> Card: ...
    def all_cards(self) -> Sequence[Card]: ...
    def card_passages(self, card_id: str) -> Sequence[Record]: ...


@dataclass(frozen=True)
class Source:
    """The passage behind an explanation, in its source's (readable) wording."""

    source: str
    heading: str
    text: str
    passage_id: str


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # seg | str | sit | act | tf
    card_id: str  # the card the answer is explained with (and scheduled by)
    topic: str
    lang: str
    prompt: str
    options: tuple[str, ...]
    correct: int
    explanation: str
    source: Source | None
    follow_up: str | None = None  # asked right after this one (segment → strategy)

    @property
    def answer(self) -> str:
        return self.options[self.correct]


def rng_for(question_id: str) -> random.Random:
    """A generator seeded by the id (not by Python's salted hash): same id, same draw."""
    digest = hashlib.blake2b(question_id.encode("utf-8"), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def cite(card: Card, knowledge: Cards) -> Source | None:
    """The first passage the card retells, cut to the part around the card's anchor quote."""
    passages = knowledge.card_passages(card.id)
    if not passages:
        return None
    first = passages[0]
    quotes = [a.quote for a in card.anchors if a.source == first.source]
    return Source(first.source, first.heading, excerpt(first.text, quotes), first.id)


def excerpt(text: str, quotes: Sequence[str], width: int = EXCERPT_CHARS) -> str:
    """About `width` characters of the passage (half for CJK text; whitespace collapsed),
    starting a little before the first anchor quote found in it; the passage's start when
    none is found (a quote matched only after normalisation)."""
    flat = " ".join(text.split())
    if sum(1 for ch in flat if ord(ch) > 0x2E80) > len(flat) / 2:
        width //= 2  # a Chinese or Korean character says about what an English word does
    if len(flat) <= width:
        return flat
    at = -1
    for quote in quotes:
        for variant in dict.fromkeys((quote, to_traditional(quote), to_simplified(quote))):
            at = flat.find(" ".join(variant.split()))
            if at >= 0:
                break
        if at >= 0:
            break
    start = max(0, at - width // 4) if at >= 0 else 0
    end = min(len(flat), start + width)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


def explain(lead: str, card: Card, lang: str) -> str:
    return f"{lead}\n{card.title[lang]}\n{card.summary[lang]}"


def _arrange(question_id: str, right: str, wrong: Sequence[str]) -> tuple[tuple[str, ...], int]:
    """Right and wrong options in an order fixed by the id; duplicates of the right text dropped."""
    options = [right] + [w for w in dict.fromkeys(wrong) if w != right][: OPTIONS - 1]
    order = list(range(len(options)))
    rng_for(question_id + "#order").shuffle(order)
    return tuple(options[i] for i in order), order.index(0)


def segment_label(code: str, lang: str) -> str:
    return vocabulary()["segments"][code][lang]


def segment_question(
    question_id: str,
    segment: str,
    facts: Sequence[str],
    card: Card,
    knowledge: Cards,
    lang: str,
    follow_up: str | None = None,
) -> Question:
    """Which segment: the reasons the segmentation gave for a real sample account."""
    choices = SEGMENT_CHOICES[segment[0]]
    labels = {code: segment_label(code, lang) for code in choices}
    wrong = [labels[c] for c in choices if c != segment]
    options, correct = _arrange(
        question_id, labels.get(segment) or segment_label(segment, lang), wrong
    )
    lead = QUIZ.say("explain.segment", lang, segment=segment, label=_short(segment, lang))
    return Question(
        id=question_id,
        kind="seg",
        card_id=card.id,
        topic=topic_of(card),
        lang=lang,
        prompt=QUIZ.say("question.segment", lang, facts="\n".join(f"- {f}" for f in facts)),
        options=options,
        correct=correct,
        explanation=explain(lead, card, lang),
        source=cite(card, knowledge),
        follow_up=follow_up,
    )


def _short(segment: str, lang: str) -> str:
    label = segment_label(segment, lang)
    for sep in (": ", "："):
        if sep in label:
            return label.split(sep, 1)[1]
    return label


def strategy_question(
    question_id: str, segment: str, strategies: Mapping[str, str], knowledge: Cards, lang: str
) -> Question:
    """Which strategy for a segment: the segment's own card against other segments' ones."""
    card = knowledge.card(strategies[segment])
    others = sorted({cid for cid in strategies.values() if cid != card.id})
    rng = rng_for(question_id)
    same = [c for c in others if _group(strategies, c) == segment[0]]
    rest = [c for c in others if c not in same]
    rng.shuffle(same)
    rng.shuffle(rest)
    wrong = [knowledge.card(c).title[lang] for c in (same + rest)]
    options, correct = _arrange(question_id, card.title[lang], wrong)
    return Question(
        id=question_id,
        kind="str",
        card_id=card.id,
        topic=topic_of(card),
        lang=lang,
        prompt=QUIZ.say("question.strategy", lang, segment=segment, label=_short(segment, lang)),
        options=options,
        correct=correct,
        explanation=explain(QUIZ.say("explain.strategy", lang, segment=segment), card, lang),
        source=cite(card, knowledge),
    )


def _group(strategies: Mapping[str, str], card_id: str) -> str:
    return next(seg[0] for seg, cid in strategies.items() if cid == card_id)


def situation_question(
    question_id: str, card: Card, situation: str, knowledge: Cards, lang: str
) -> Question:
    """A scene → the card made for it. A tactic is asked by its own "when"; then no distractor
    may share any of its situations, else none may carry the situation asked about."""
    tactic = card.kind == "negotiation-tactic" and card.when is not None
    excluded = set(card.situations) if tactic else {situation}
    pool = [
        c
        for c in knowledge.all_cards()
        if c.id != card.id and c.kind in SITUATION_KINDS and not excluded & set(c.situations)
    ]
    rng = rng_for(question_id)
    same = [c for c in pool if c.kind == card.kind]
    rest = [c for c in pool if c.kind != card.kind]
    rng.shuffle(same)
    rng.shuffle(rest)
    wrong = [c.title[lang] for c in same + rest]
    options, correct = _arrange(question_id, card.title[lang], wrong)
    if tactic:
        assert card.when is not None
        prompt = QUIZ.say("question.tactic", lang, scene=card.when[lang])
    else:
        scene = scenario(situation, lang) or vocabulary()["situations"][situation][lang]
        prompt = QUIZ.say("question.situation", lang, scene=scene)
    return Question(
        id=question_id,
        kind="sit",
        card_id=card.id,
        topic=topic_of(card),
        lang=lang,
        prompt=prompt,
        options=options,
        correct=correct,
        explanation=explain(QUIZ.say("explain.situation", lang), card, lang),
        source=cite(card, knowledge),
    )


def recall_question(
    question_id: str, card: Card, step: int, knowledge: Cards, lang: str
) -> Question:
    """Which step belongs to the card: one of its own against steps of cards on other topics
    (cards of one topic can word a step alike, so wrong steps come from elsewhere)."""
    own = card.actions[lang]
    right = own[step % len(own)]
    topic = topic_of(card)
    pool = [
        c
        for c in knowledge.all_cards()
        if c.id != card.id and topic_of(c) != topic and c.actions[lang]
    ]
    rng = rng_for(question_id)
    rng.shuffle(pool)
    wrong = []
    for other in pool:
        candidate = other.actions[lang][rng.randrange(len(other.actions[lang]))]
        if candidate not in own:
            wrong.append(candidate)
    options, correct = _arrange(question_id, right, wrong)
    return Question(
        id=question_id,
        kind="act",
        card_id=card.id,
        topic=topic,
        lang=lang,
        prompt=QUIZ.say("question.recall", lang, title=card.title[lang]),
        options=options,
        correct=correct,
        explanation=explain(QUIZ.say("explain.recall", lang), card, lang),
        source=cite(card, knowledge),
    )


def statement_question(
    question_id: str, statement: Statement, knowledge: Cards, lang: str
) -> Question:
    """True or false: two options, always in that order."""
    card = knowledge.card(statement.card_id)
    lead = QUIZ.say(
        "explain.statement_true" if statement.holds else "explain.statement_false", lang
    )
    return Question(
        id=question_id,
        kind="tf",
        card_id=card.id,
        topic=topic_of(card),
        lang=lang,
        prompt=QUIZ.say("question.statement", lang, statement=statement.text[lang]),
        options=(QUIZ.say("option.true", lang), QUIZ.say("option.false", lang)),
        correct=0 if statement.holds else 1,
        explanation=explain(lead, card, lang),
        source=cite(card, knowledge),
    )


def misconception_statements(cards: Sequence[Card]) -> list[Statement]:
    """ "Misconception 2: big customers bring volume, …" states a belief the guidance refutes:
    the belief, without its label, is a false statement."""
    out = []
    for card in cards:
        if card.kind != "misconception":
            continue
        beliefs = {}
        for lang, pattern in _MISCONCEPTION.items():
            title = card.title.get(lang, "")
            if not pattern.match(title):
                break
            belief = pattern.sub("", title).strip()
            beliefs[lang] = belief[:1].upper() + belief[1:] if lang == "en" else belief
        else:
            out.append(Statement(card.id, False, beliefs))
    return out
