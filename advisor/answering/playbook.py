"""Choosing cards for a situation: the deterministic core of every answer.

A card scores for each situation it shares with the question and the
account's risk signals, for matching the segment in question, and for being
among what retrieval found. Actions come from strategy and countermeasure
cards, tactics from negotiation-tactic and misconception cards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from knowledge.cards import Card

TACTIC_KINDS = frozenset({"negotiation-tactic", "misconception"})
SITUATION_WEIGHT = 3.0
SEGMENT_WEIGHT = 2.0
RETRIEVAL_WEIGHT = 3.0
# The sources' countermeasures answer one named situation directly; a strategy
# tagged with the same situation is broader advice.
COUNTERMEASURE_BONUS = 1.0
# A risk card describes a danger (its steps contain it); at equal evidence the
# sources' strategies are the better advice.
RISK_CARD_PENALTY = 0.5


@dataclass(frozen=True)
class ScoredCard:
    card: Card
    score: float
    situations: tuple[str, ...]  # the situations it matched
    segment: bool  # matched the segment
    retrieved: bool  # found by search


def score_cards(
    cards: Iterable[Card],
    situations: Sequence[str],
    segment: str | None,
    retrieved: Mapping[str, int],
) -> list[ScoredCard]:
    """Every card with a positive score, best first; ties keep the cards' file order.

    `retrieved` maps a card id to its rank among search results (0 = best).
    """
    wanted = set(situations)
    scored = []
    for card in cards:
        matched = tuple(s for s in card.situations if s in wanted)
        on_segment = bool(segment and segment in card.segments)
        score = SITUATION_WEIGHT * len(matched)
        if matched and card.kind == "countermeasure":
            score += COUNTERMEASURE_BONUS
        if card.kind == "risk":
            score -= RISK_CARD_PENALTY
        if on_segment:
            # A card written for this one segment beats a card for several.
            score += SEGMENT_WEIGHT + (1.0 if len(card.segments) == 1 else 0.0)
        rank = retrieved.get(card.id)
        if rank is not None:
            score += RETRIEVAL_WEIGHT / (1 + rank)
        if score > 0:
            scored.append(ScoredCard(card, score, matched, on_segment, rank is not None))
    return sorted(scored, key=lambda s: -s.score)


def pick(
    scored: Sequence[ScoredCard],
    kinds: frozenset[str],
    limit: int,
    minimum: int = 0,
    fallback_kinds: frozenset[str] = frozenset(),
    family: Callable[[Card], str] = lambda card: card.id,
) -> list[ScoredCard]:
    """The best `limit` cards of the given kinds, one per family; topped up to `minimum`.

    A family is the passage a card retells first: the seven exit barriers share
    one list passage, and one of them is advice enough for one answer.
    """
    chosen: list[ScoredCard] = []
    families: set[str] = set()
    for pool in (kinds, fallback_kinds):
        for s in scored:
            wanted = limit if pool is kinds else minimum
            if len(chosen) >= wanted:
                break
            if s.card.kind in pool and family(s.card) not in families:
                chosen.append(s)
                families.add(family(s.card))
    return chosen


def situations_for_risks(codes: Iterable[str], mapping: Mapping[str, Sequence[str]]) -> list[str]:
    out: list[str] = []
    for code in codes:
        for situation in mapping.get(code, ()):
            if situation not in out:
                out.append(situation)
    return out
