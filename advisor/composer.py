"""The deterministic answer: a ranked plan from cards, account data and retrieved passages.

No language model is involved: the same question, data and index give the
same answer. It is the default, and the fallback of the LLM path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from advisor.messages import localise, say
from advisor.playbook import (
    ACTION_KINDS,
    FALLBACK_ACTION_KINDS,
    SITUATIONAL_KINDS,
    TACTIC_KINDS,
    ScoredCard,
    is_action,
    pick,
    score_cards,
    situations_for_risks,
)
from advisor.understanding import Understanding, lexicon
from knowledge.cards import Card, vocabulary
from knowledge.index import Record
from knowledge.retrieval import Hit

MAX_ACTIONS, MIN_ACTIONS, MAX_TACTICS = 5, 3, 3
QUOTE_CHARS = 220
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}


class CardSource(Protocol):
    """What the composer needs from the knowledge base."""

    def card(self, card_id: str) -> Card: ...
    def all_cards(self) -> Sequence[Card]: ...
    def card_passages(self, card_id: str) -> Sequence[Record]: ...


@dataclass(frozen=True)
class Citation:
    number: int
    passage: Record
    card: str | None

    def as_json(self) -> dict[str, Any]:
        data = {
            "number": self.number,
            "source": self.passage.source,
            "text": self.passage.original or self.passage.text,
            "heading": self.passage.heading,
            "language": self.passage.language,
        }
        if self.passage.original:
            data["readable"] = self.passage.text
        if self.card:
            data["card"] = self.card
        return data


@dataclass(frozen=True)
class PlanItem:
    """An action or a tactic: one card, told in the asker's language."""

    card_id: str
    kind: str
    title: str
    steps: tuple[str, ...]
    why: str
    citations: tuple[int, ...]
    when: str | None = None
    risk: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "card": self.card_id,
            "kind": self.kind,
            "title": self.title,
            "steps": list(self.steps),
            "why": self.why,
            "citations": list(self.citations),
        }
        if self.when:
            data["when"] = self.when
        if self.risk:
            data["risk"] = self.risk
        return data


@dataclass(frozen=True)
class Answer:
    text: str
    language: str
    actions: tuple[PlanItem, ...] = ()
    tactics: tuple[PlanItem, ...] = ()
    citations: tuple[Citation, ...] = ()
    account_id: str | None = None
    segment: str | None = None
    situations: tuple[str, ...] = ()
    known: bool = True
    notes: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "language": self.language,
            "actions": [a.as_json() for a in self.actions],
            "tactics": [t.as_json() for t in self.tactics],
            "citations": [c.as_json() for c in self.citations],
            "account_id": self.account_id,
            "segment": self.segment,
            "situations": list(self.situations),
            "known": self.known,
        }


def segment_label(code: str, lang: str) -> str:
    label = vocabulary()["segments"][code][lang]
    for sep in (": ", "："):
        if sep in label:
            return label.split(sep, 1)[1]
    return label


def situation_label(code: str, lang: str) -> str:
    return vocabulary()["situations"][code][lang]


class CitationList:
    """Numbers passages in the order they are first cited."""

    def __init__(self) -> None:
        self.items: list[Citation] = []
        self._numbers: dict[str, int] = {}

    def cite(self, passage: Record, card: str | None) -> int:
        if passage.id not in self._numbers:
            self._numbers[passage.id] = len(self.items) + 1
            self.items.append(Citation(len(self.items) + 1, passage, card))
        return self._numbers[passage.id]


def _why(scored: ScoredCard, lang: str) -> str:
    parts = [situation_label(s, lang) for s in scored.situations]
    if scored.segment:
        parts.append(" / ".join(scored.card.segments))
    return ", ".join(parts)


def plan_item(scored: ScoredCard, lang: str, knowledge: CardSource, cites: CitationList) -> PlanItem:
    card = scored.card
    numbers = tuple(cites.cite(p, card.id) for p in knowledge.card_passages(card.id)[:2])
    return PlanItem(
        card_id=card.id,
        kind=card.kind,
        title=card.title[lang],
        steps=card.actions[lang],
        why=_why(scored, lang),
        citations=numbers,
        when=card.when[lang] if card.when else None,
        risk=card.risk[lang] if card.risk else None,
    )


def _retrieved_ranks(hits: Sequence[Hit]) -> dict[str, int]:
    """Cards that search led to (or that are anchored to what it found), by rank."""
    ranks: dict[str, int] = {}
    for rank, hit in enumerate(hits):
        for card_id in ([hit.card] if hit.card else []) + list(hit.passage.cards):
            ranks.setdefault(card_id, rank)
    return ranks


def plan(
    understanding: Understanding,
    account: Mapping[str, Any] | None,
    hits: Sequence[Hit],
    knowledge: CardSource,
) -> tuple[list[ScoredCard], list[ScoredCard], list[str], str | None]:
    """Actions and tactics (scored cards), the situations and the segment they address."""
    risk_codes = [r["code"] for r in (account or {}).get("risks", [])]
    situations = list(understanding.situations)
    for s in situations_for_risks(risk_codes, lexicon()["risk_situations"]):
        if s not in situations:
            situations.append(s)
    segment = understanding.segment or (account or {}).get("segment")
    # A segment's strategy is for customers we still have: for an account marked
    # lost, the plan is the defector study and winning it back, not retention.
    planning_segment = None if "lost" in risk_codes else segment
    scored = score_cards(
        knowledge.all_cards(), situations, planning_segment, _retrieved_ranks(hits)
    )

    def family(card: Card) -> str:
        passages = knowledge.card_passages(card.id)
        return passages[0].id if passages else card.id

    primary = [s for s in scored if is_action(s)]
    fallback = [s for s in scored if not is_action(s) and s.card.kind in FALLBACK_ACTION_KINDS]
    actions = pick(primary + fallback, ACTION_KINDS | SITUATIONAL_KINDS, MAX_ACTIONS, MIN_ACTIONS,
                   FALLBACK_ACTION_KINDS, family)
    actions = _with_segment_strategy(actions, scored, planning_segment)
    taken = {a.card.id for a in actions}
    tactics = pick([s for s in scored if s.card.id not in taken], TACTIC_KINDS, MAX_TACTICS,
                   family=family)
    return actions, tactics, situations, segment


def _with_segment_strategy(
    actions: list[ScoredCard], scored: Sequence[ScoredCard], segment: str | None
) -> list[ScoredCard]:
    """Keep the segment's own strategy among the actions: it is the backbone of the plan
    (EIV: keep only if profitable), even when risk signals bring many other cards."""
    if not segment:
        return actions
    own = sorted(
        (s for s in scored
         if s.segment and len(s.card.segments) <= 2 and s.card.kind not in ("case", "risk")),
        key=lambda s: (len(s.card.segments), -s.score),
    )
    if not own or any(a.card.id == own[0].card.id for a in actions):
        return actions
    kept = actions[: MAX_ACTIONS - 1]
    return [*kept[:1], own[0], *kept[1:]]


def compose(
    understanding: Understanding,
    account: Mapping[str, Any] | None,
    hits: Sequence[Hit],
    knowledge: CardSource,
) -> Answer:
    lang = understanding.language
    actions_s, tactics_s, situations, segment = plan(understanding, account, hits, knowledge)
    cites = CitationList()
    actions = tuple(plan_item(s, lang, knowledge, cites) for s in actions_s)
    tactics = tuple(plan_item(s, lang, knowledge, cites) for s in tactics_s)
    lines = _context_lines(understanding, account, segment, situations, lang)
    lines += ["", say("answer.next_actions", lang)]
    for n, action in enumerate(actions, start=1):
        refs = "".join(f"[{c}]" for c in action.citations)
        lines.append(f"{n}. {action.title} — {join_steps(action.steps[:3], lang)} {refs}".rstrip())
    if tactics:
        lines += ["", say("answer.tactics", lang)]
        for tactic in tactics:
            lines += tactic_lines(tactic, lang)
    text = localise("\n".join(lines), understanding.traditional)
    text += "\n\n" + say("answer.sources", lang) + "\n" + source_lines(cites.items)
    return Answer(
        text=text.strip(),
        language="zh-Hant" if understanding.traditional else lang,
        actions=actions,
        tactics=tactics,
        citations=tuple(cites.items),
        account_id=(account or {}).get("account_id"),
        segment=segment,
        situations=tuple(situations),
    )


def tactic_lines(tactic: PlanItem, lang: str, *, markdown: bool = False) -> list[str]:
    """A tactic as a list item: title and citations, then when, how and the risk."""
    refs = "".join(f"[{c}]" for c in tactic.citations)
    title = f"**{tactic.title}**" if markdown else tactic.title
    indent = "  - " if markdown else "  "
    lines = [f"- {title} {refs}".rstrip()]
    if tactic.when:
        lines.append(f"{indent}{say('answer.tactic_when', lang)}: {tactic.when}")
    lines.append(f"{indent}{say('answer.tactic_how', lang)}: {join_steps(tactic.steps[:3], lang)}")
    if tactic.risk:
        lines.append(f"{indent}{say('answer.tactic_risk', lang)}: {tactic.risk}")
    return lines


def join_steps(steps: Sequence[str], lang: str) -> str:
    """Steps are sentences; Chinese ones carry their own full stop and need no space."""
    ends = ("。", "！", "？", ".", "!", "?")
    sentences = [s if s.endswith(ends) else s + ("。" if lang == "zh" else ".") for s in steps]
    return ("" if lang == "zh" else " ").join(sentences)


def source_lines(citations: Sequence[Citation]) -> str:
    """Sources quoted in their original language (readable wording where normalised)."""
    out = []
    for c in citations:
        quote = c.passage.text.replace("\n", " ")
        if len(quote) > QUOTE_CHARS:
            quote = quote[:QUOTE_CHARS] + "…"
        where = f"{c.passage.source} · {c.passage.heading}" if c.passage.heading else c.passage.source
        out.append(f"[{c.number}] {where}: “{quote}”")
    return "\n".join(out)


def _context_lines(
    understanding: Understanding,
    account: Mapping[str, Any] | None,
    segment: str | None,
    situations: Sequence[str],
    lang: str,
) -> list[str]:
    lines: list[str] = []
    if account:
        lines.append(
            say(
                "answer.account_line", lang,
                name=account["name"], account_id=account["account_id"],
                owner=account.get("owner") or "—", segment=account["segment"],
                segment_label=segment_label(account["segment"], lang),
            )
        )
        previous = account.get("previous_segment")
        if previous and previous != account["segment"]:
            lines.append(say("answer.moved", lang, previous=previous))
        if account.get("reasons"):
            lines.append(say("answer.why_segment", lang))
            lines += [f"- {r}" for r in account["reasons"][:3]]
        risks = sorted(account.get("risks", []), key=lambda r: _SEVERITY_ORDER.get(r["severity"], 9))
        if risks:
            lines.append(say("answer.likely_reason", lang))
            lines += [f"- {r['title']}: {r['evidence']}" for r in risks[:3]]
        else:
            lines.append(say("answer.no_risks", lang))
    elif segment:
        lines.append(
            say("answer.stated_segment", lang, segment=segment, segment_label=segment_label(segment, lang))
        )
    if understanding.situations:
        labels = ", ".join(situation_label(s, lang) for s in understanding.situations)
        lines.append(say("answer.situation", lang, situations=labels))
    return lines


def dont_know(understanding: Understanding) -> Answer:
    lang = understanding.language
    return Answer(
        text=localise(say("answer.dont_know", lang), understanding.traditional),
        language="zh-Hant" if understanding.traditional else lang,
        known=False,
    )
