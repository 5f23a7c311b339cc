"""The question bank: which drills each card gets, and any question rebuilt from its id.

Every card gets a recall drill (which step is its own); a card tagged with
situations gets a situation drill; a card that settles a true/false statement
gets that; each segment's own strategy card gets the segment drill from the
sample portfolio, followed by "which strategy?". A card's n-th variant rotates
through its drills, so a card seen again is asked differently.

Segment drills use the shipped sample portfolio (advisor/data/sample/), never
the team's own accounts: trainees see no account data, and the facts shown are
only the segmentation's reasons (no names, no ids).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from advisor.accounts.sample import analyse_sample
from advisor.errors import AdvisorError
from advisor.quiz.questions import (
    SITUATION_KINDS,
    Cards,
    Question,
    misconception_statements,
    recall_question,
    segment_question,
    situation_question,
    statement_question,
    strategy_question,
)
from advisor.quiz.texts import Statement, segment_strategy, statements, topic_of, topics
from knowledge.cards import Card, load_cards

if TYPE_CHECKING:
    from advisor.accounts.portfolio import PortfolioAnalysis
    from knowledge.search.index import Record

NAMED_BY_REASONS = frozenset({"F"})  # the segmentation's reason says "a future customer"


class CardDeck:
    """The bundled cards without an index: enough for progress by topic (no passages)."""

    def __init__(self, cards: Sequence[Card] | None = None) -> None:
        self._cards = {c.id: c for c in (cards if cards is not None else load_cards())}

    def card(self, card_id: str) -> Card:
        return self._cards[card_id]

    def all_cards(self) -> Sequence[Card]:
        return list(self._cards.values())

    def card_passages(self, card_id: str) -> Sequence[Record]:
        return ()


class QuizError(AdvisorError):
    """A question id that names no question (the cards or the sample changed)."""


class QuizBank:
    """Questions over the cards of a knowledge base and the sample portfolio's segments.

    `sample` returns a `PortfolioAnalysis` of the sample portfolio; it is called
    once, on the first segment drill (tests hand in the session's analysis).
    """

    def __init__(
        self, knowledge: Cards, sample: Callable[[], PortfolioAnalysis] = analyse_sample
    ) -> None:
        self.knowledge = knowledge
        self._load_sample = sample
        cards = {c.id: c for c in knowledge.all_cards()}
        self.strategies = {s: cid for s, cid in segment_strategy().items() if cid in cards}
        self._statements: dict[str, list[Statement]] = {}
        for statement in [*statements(), *misconception_statements(list(cards.values()))]:
            if statement.card_id in cards:
                self._statements.setdefault(statement.card_id, []).append(statement)

    # ---- which cards, in which order, with which drills -----------------------

    @cached_property
    def cards(self) -> tuple[Card, ...]:
        """Every card, by topic (in the topic list's order); within a topic the segments'
        own strategies first (EI to F), then file order."""
        order = {t.id: n for n, t in enumerate(topics())}
        own = {cid: n for n, cid in enumerate(dict.fromkeys(self.strategies.values()))}
        indexed = list(enumerate(self.knowledge.all_cards()))
        # Segment strategies in the model's order (EI … F), then the rest in file order.
        indexed.sort(
            key=lambda p: (order.get(topic_of(p[1]), len(order)), own.get(p[1].id, len(own)), p[0])
        )
        return tuple(card for _, card in indexed)

    def topic(self, card_id: str) -> str:
        return topic_of(self.knowledge.card(card_id))

    def drills(self, card: Card) -> list[str]:
        kinds = []
        if card.id in self.strategies.values():
            # A segment whose reasons name it outright (F: "a future customer to
            # develop") gets only "which strategy?", asked for each of its segments.
            kinds.append("seg" if self._rows(card.id) else "str")
        if card.situations and card.kind in SITUATION_KINDS:
            kinds.append("sit")
        if self._statements.get(card.id):
            kinds.append("tf")
        kinds.append("act")
        return kinds

    def question_for(self, card_id: str, variant: int, lang: str) -> Question:
        """The card's `variant`-th question (variants rotate through its drills)."""
        card = self._card(card_id)
        kinds = self.drills(card)
        kind, n = kinds[variant % len(kinds)], variant // len(kinds)
        if kind == "seg":
            rows = self._rows(card.id)
            return self.question(f"seg:{card.id}:{rows[n % len(rows)][0]}", lang)
        if kind == "str":
            segments = sorted(s for s, cid in self.strategies.items() if cid == card.id)
            return self.question(f"str:{segments[n % len(segments)]}:{n}", lang)
        return self.question(f"{kind}:{card.id}:{n}", lang)

    # ---- a question from its id ----------------------------------------------

    def question(self, question_id: str, lang: str) -> Question:
        kind, _, rest = question_id.partition(":")
        try:
            if kind == "seg":
                card_id, _, account_id = rest.partition(":")
                return self._segment(question_id, card_id, account_id, lang)
            key, _, number = rest.rpartition(":")
            n = int(number)
            if kind == "str":
                if key not in self.strategies:
                    raise KeyError(key)
                return strategy_question(question_id, key, self.strategies, self.knowledge, lang)
            card = self._card(key)
            if kind == "sit":
                situation = card.situations[n % len(card.situations)]
                return situation_question(question_id, card, situation, self.knowledge, lang)
            if kind == "act":
                return recall_question(question_id, card, n, self.knowledge, lang)
            if kind == "tf":
                options = self._statements[card.id]
                return statement_question(
                    question_id, options[n % len(options)], self.knowledge, lang
                )
        except (KeyError, ValueError, ZeroDivisionError, IndexError):
            pass
        raise QuizError(f"no question '{question_id}'")

    def _card(self, card_id: str) -> Card:
        try:
            return self.knowledge.card(card_id)
        except KeyError:
            raise QuizError(f"no card '{card_id}'") from None

    # ---- the sample portfolio ---------------------------------------------------

    @cached_property
    def _sample(self) -> PortfolioAnalysis:
        return self._load_sample()

    def _rows(self, card_id: str) -> Sequence[tuple[str, str]]:
        """(account id, segment) of the sample accounts whose segment this card is the
        strategy of, in an order fixed by the card (so variants walk different accounts)."""
        return self._segment_rows.get(card_id, ())

    @cached_property
    def _segment_rows(self) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = {}
        for row in self._sample.rows():
            if row["segment"] in NAMED_BY_REASONS:
                continue
            card_id = self.strategies.get(row["segment"])
            if card_id is not None:
                out.setdefault(card_id, []).append((row["account_id"], row["segment"]))
        for card_id, rows in out.items():
            rows.sort(
                key=lambda r: hashlib.blake2b(f"{card_id}/{r[0]}".encode(), digest_size=8).digest()
            )
        return out

    def _segment(self, question_id: str, card_id: str, account_id: str, lang: str) -> Question:
        segment = dict(self._rows(card_id)).get(account_id)
        if segment is None:
            raise KeyError(account_id)
        facts = self._sample.account(account_id, lang)["reasons"]
        number = sum(question_id.encode()) % 97  # any stable number: varies the option order
        return segment_question(
            question_id,
            segment,
            facts,
            self._card(card_id),
            self.knowledge,
            lang,
            follow_up=f"str:{segment}:{number}",
        )
