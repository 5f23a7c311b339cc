"""Negotiation tactics and misconceptions offered by situation.

Each comes with when to use it, how, the risk, and the source passage: the
`negotiation-tactic` and `misconception` cards, ranked for a situation.
"""

from __future__ import annotations

from collections.abc import Sequence

from advisor.answering.composer import CardSource, CitationList, PlanItem, plan_item, source_lines
from advisor.answering.playbook import TACTIC_KINDS, score_cards
from advisor.answering.understanding import detect_situations
from knowledge.cards import vocabulary


def known_situations() -> list[str]:
    return list(vocabulary()["situations"])


def resolve_situation(text: str) -> str | None:
    """A situation tag given as its name (`price-cut-demand`) or described in any language."""
    name = text.strip().lower().replace(" ", "-").replace("_", "-")
    if name in vocabulary()["situations"]:
        return name
    found = detect_situations(text)
    return found[0] if found else None


def tactics_for(
    situation: str, knowledge: CardSource, lang: str = "en", limit: int = 4
) -> tuple[list[PlanItem], str]:
    """The tactics and misconceptions for a situation, best first, and their sources."""
    scored = [
        s
        for s in score_cards(knowledge.all_cards(), [situation], None, {})
        if s.card.kind in TACTIC_KINDS
    ]
    cites = CitationList()
    items = [plan_item(s, lang, knowledge, cites) for s in scored[:limit]]
    return items, source_lines(cites.items)


def situations_with_tactics(knowledge: CardSource) -> Sequence[str]:
    """Situations for which at least one tactic or misconception card exists."""
    tagged = {s for c in knowledge.all_cards() if c.kind in TACTIC_KINDS for s in c.situations}
    return [s for s in known_situations() if s in tagged]
