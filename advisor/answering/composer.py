"""The deterministic answer: a plan (advisor/answering/planner.py) told in the asker's language.

No language model is involved: the same question, data and index give the
same answer. It is the default, and what the LLM path rewrites (or falls
back to). The answer leads with the one or two cards that fit, says in one
line what the customer's segment calls for, and shows a pitfall, a
negotiation tactic or the user's own documents only when the question leads
to them. Every passage it relies on is cited in its original wording.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from advisor.accounts.reasons import severity_rank
from advisor.accounts.view import AccountView
from advisor.answering.planner import Choice, Plan, assumed_stage
from advisor.answering.profile import EXISTING, FUTURE, PROSPECT, CustomerProfile
from advisor.answering.quoting import clipped, where
from advisor.i18n.catalogue import ADVISOR, localise
from knowledge.cards import Card, vocabulary
from knowledge.korean import attach
from knowledge.search.index import Record
from knowledge.search.retrieval import Hit

if TYPE_CHECKING:
    from advisor.answering.playbook import ScoredCard

QUOTE_CHARS = 220
DOCUMENT_CHARS = 280
# Every step of a card (the cards have six at most): a study of six steps cut to four
# hid the step a question was about, while its citation quoted it.
STEPS_SHOWN = 6


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
    """An action, a tactic or a pitfall: one card, told in the asker's language."""

    card_id: str
    kind: str
    title: str
    steps: tuple[str, ...]
    why: str
    citations: tuple[int, ...]
    when: str | None = None
    risk: str | None = None
    summary: str = ""
    addresses: tuple[str, ...] = ()  # account risk codes it answers

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
        if self.addresses:
            data["addresses"] = list(self.addresses)
        return data


@dataclass(frozen=True)
class AccountChoice:
    """One of several accounts a name could mean."""

    account_id: str
    name: str
    owner: str | None

    def as_json(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "name": self.name, "owner": self.owner}


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
    body: str = ""  # the answer without its list of sources
    pitfalls: tuple[PlanItem, ...] = ()
    choices: tuple[AccountChoice, ...] = ()  # set when the question's account is ambiguous
    confidence: Mapping[str, Any] | None = None
    customer: Mapping[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
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
        if self.pitfalls:
            data["pitfalls"] = [p.as_json() for p in self.pitfalls]
        if self.choices:
            data["choices"] = [c.as_json() for c in self.choices]
        if self.confidence is not None:
            data["confidence"] = dict(self.confidence)
        if self.customer is not None:
            data["customer"] = dict(self.customer)
        return data


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


def _cited_passages(
    card: Card,
    knowledge: CardSource,
    hits: Sequence[Hit],
    limit: int = 2,
    similarity: Mapping[str, float] | None = None,
) -> list[Record]:
    """The card's passages that speak to this question.

    A card often retells several passages (the steps of a study, the tactics of a
    case): the ones closest to the question are cited. Without similarities, those
    search ranked first, each source once before any source twice.
    """
    passages = list(knowledge.card_passages(card.id))
    rank = {h.passage.id: i for i, h in enumerate(hits)}
    order = {p.id: rank.get(p.id, len(rank) + i) for i, p in enumerate(passages)}
    if similarity and all(p.id in similarity for p in passages):
        return sorted(passages, key=lambda p: (-similarity[p.id], order[p.id]))[:limit]
    ranked = sorted(passages, key=lambda p: order[p.id])
    firsts: dict[str, Record] = {}
    for p in ranked:
        firsts.setdefault(p.source, p)
    chosen = list(firsts.values())[:limit]
    chosen += [p for p in ranked if p not in chosen][: limit - len(chosen)]
    return sorted(chosen, key=lambda p: order[p.id])


def plan_item(
    choice: Choice | ScoredCard,
    lang: str,
    knowledge: CardSource,
    cites: CitationList,
    hits: Sequence[Hit] = (),
    similarity: Mapping[str, float] | None = None,
) -> PlanItem:
    """A card as an item of the answer (a `Choice`, or anything with `.card`)."""
    card: Card = choice.card
    numbers = tuple(
        cites.cite(p, card.id)
        for p in _cited_passages(card, knowledge, hits, similarity=similarity)
    )
    return PlanItem(
        card_id=card.id,
        kind=card.kind,
        title=card.title[lang],
        steps=card.actions[lang],
        why=card.when[lang] if card.when else "",
        citations=numbers,
        when=card.when[lang] if card.when else None,
        risk=card.risk[lang] if card.risk else None,
        summary=card.summary[lang],
        addresses=tuple(getattr(choice, "risks", ()) or ()),
    )


def join_steps(steps: Sequence[str], lang: str) -> str:
    """Steps are sentences; Chinese ones carry their own full stop and need no space."""
    ends = ("。", "！", "？", ".", "!", "?")
    sentences = [s if s.endswith(ends) else s + ("。" if lang == "zh" else ".") for s in steps]
    return ("" if lang == "zh" else " ").join(sentences)


def _sentence(text: str, lang: str) -> str:
    ends = ("。", "！", "？", ".", "!", "?")
    return text if text.endswith(ends) else text + ("。" if lang == "zh" else ".")


def first_sentence(text: str, lang: str) -> str:
    for mark in ("。", ". ", "! ", "? ", "！", "？"):
        if mark in text:
            return text.split(mark, 1)[0].strip() + ("。" if lang == "zh" else ".")
    return _sentence(text.strip(), lang)


def tactic_lines(tactic: PlanItem, lang: str, *, markdown: bool = False) -> list[str]:
    """A tactic as a list item: title and citations, then when, how and the risk."""
    refs = "".join(f"[{c}]" for c in tactic.citations)
    title = f"**{tactic.title}**" if markdown else tactic.title
    indent = "  - " if markdown else "  "
    lines = [f"- {title} {refs}".rstrip()]
    if tactic.when:
        lines.append(f"{indent}{ADVISOR.say('answer.tactic_when', lang)}: {tactic.when}")
    lines.append(
        f"{indent}{ADVISOR.say('answer.tactic_how', lang)}: {join_steps(tactic.steps[:3], lang)}"
    )
    if tactic.risk:
        lines.append(f"{indent}{ADVISOR.say('answer.tactic_risk', lang)}: {tactic.risk}")
    return lines


def source_lines(citations: Sequence[Citation]) -> str:
    """Sources quoted in their original language (readable wording where normalised)."""
    out = []
    for c in citations:
        quote = clipped(c.passage.text.replace("\n", " "), QUOTE_CHARS)
        place = where(c.passage.source, c.passage.heading)
        out.append(f"[{c.number}] {place}: “{quote}”")
    return "\n".join(out)


# ---- the parts of an answer ---------------------------------------------------


def describe_profile(profile: CustomerProfile, lang: str) -> str | None:
    """One line: the customer as the question describes it, and the segment that gives."""
    if profile.source != "described" or not profile.stage:
        return None
    facets = [ADVISOR.say(f"answer.facet.{profile.stage}", lang)]
    axis_names = {EXISTING: ("contribution", "stability"), PROSPECT: ("expected", "intent")}
    if profile.stage in axis_names:
        first, second = axis_names[profile.stage]
        if profile.contribution:
            facets.append(ADVISOR.say(f"answer.facet.{first}.{profile.contribution}", lang))
        if profile.second_axis:
            facets.append(ADVISOR.say(f"answer.facet.{second}.{profile.second_axis}", lang))
    segments = profile.segments
    segment_part = ""
    if segments and len(segments) <= 2 and profile.stage != FUTURE:
        named = [
            f"{s} ({segment_label(s, lang)})" if lang == "en" else f"{s}({segment_label(s, lang)})"
            for s in segments
        ]
        segment_part = ADVISOR.say(
            "answer.described_segment", lang, segments=ADVISOR.say("answer.or", lang).join(named)
        )
    return ADVISOR.say(
        "answer.described", lang, facets=" · ".join(facets), segment_part=segment_part
    )


def account_lines(account: AccountView, lang: str, *, follow_up: bool) -> list[str]:
    segment = account.segment
    if follow_up:
        return [
            ADVISOR.say(
                "answer.account_short",
                lang,
                name=account.name,
                account_id=account.account_id,
                segment=segment,
            )
        ]
    lines = [
        ADVISOR.say(
            "answer.account_line",
            lang,
            name=account.name,
            account_id=account.account_id,
            owner=account.owner or "—",
            segment=segment,
            segment_label=segment_label(segment, lang),
        )
    ]
    previous = account.previous_segment
    if previous and previous != segment:
        lines.append(ADVISOR.say("answer.moved", lang, previous=previous))
    if account.reasons:
        lines.append(ADVISOR.say("answer.why_segment", lang))
        lines += [f"- {r.text}" for r in account.reasons[:3]]
    risks = sorted(account.risks, key=lambda r: severity_rank(r.severity))
    if risks:
        lines.append(ADVISOR.say("answer.likely_reason", lang))
        lines += [f"- {r.title}: {r.evidence}" for r in risks[:4]]
    else:
        lines.append(ADVISOR.say("answer.no_risks", lang))
    return lines


def _segment_line(
    plan: Plan,
    lang: str,
    knowledge: CardSource,
    cites: CitationList,
    hits: Sequence[Hit],
    similarity: Mapping[str, float] | None = None,
) -> str | None:
    """The segment's strategy in one line, citing the passage it comes from."""
    if not plan.segment or plan.about_segment:
        return None
    guidance = ADVISOR.say(f"time_guidance.{plan.segment}", lang)
    line = ADVISOR.say("answer.segment_line", lang, segment=plan.segment, guidance=guidance)
    if plan.segment_card is not None:
        passages = _cited_passages(
            plan.segment_card, knowledge, hits, limit=1, similarity=similarity
        )
        refs = "".join(f"[{cites.cite(p, plan.segment_card.id)}]" for p in passages)
        line = f"{line} {refs}".rstrip()
    return line


def _stage_word(stage: str, lang: str) -> str:
    word = ADVISOR.say(f"answer.facet.{stage}", lang)
    return attach(word, "으로") if lang == "ko" else word


def _action_lines(
    number: int, item: PlanItem, risk_titles: Mapping[str, str], lang: str
) -> list[str]:
    refs = "".join(f"[{c}]" for c in item.citations)
    lines = [f"{number}. {item.title} {refs}".rstrip()]
    if item.addresses:
        titles = ", ".join(risk_titles.get(code, code) for code in item.addresses)
        lines.append("   " + ADVISOR.say("answer.addresses", lang, risks=titles))
    lines += [f"   - {_sentence(step, lang)}" for step in item.steps[:STEPS_SHOWN]]
    if item.kind == "negotiation-tactic" and item.risk:
        colon = "：" if lang == "zh" else ": "
        lines.append(f"   {ADVISOR.say('answer.tactic_risk', lang)}{colon}{item.risk}")
    return lines


def _pitfall_lines(item: PlanItem, lang: str) -> list[str]:
    refs = "".join(f"[{c}]" for c in item.citations)
    lines = [
        f"{ADVISOR.say('answer.pitfall', lang, title=item.title)} {refs}".rstrip(),
        first_sentence(item.summary, lang),
        ADVISOR.say("answer.instead", lang),
    ]
    lines += [f"- {_sentence(step, lang)}" for step in item.steps[:3]]
    return lines


def _document_lines(hits: Sequence[Hit], cites: CitationList, lang: str) -> list[str]:
    lines = [ADVISOR.say("answer.documents", lang)]
    for hit in hits:
        number = cites.cite(hit.passage, None)
        quote = clipped(hit.passage.text.replace("\n", " "), DOCUMENT_CHARS)
        lines.append(f"- “{quote}” [{number}]")
    return lines


@dataclass(frozen=True)
class Framing:
    """What the answer says about the question before the advice."""

    profile: CustomerProfile = field(default_factory=CustomerProfile)
    stated_segment: str | None = None
    unsure: bool = False
    follow_up: bool = False
    situations: tuple[str, ...] = ()


def compose(
    plan: Plan,
    *,
    language: str,
    traditional: bool,
    account: AccountView | None,
    knowledge: CardSource,
    hits: Sequence[Hit] = (),
    similarity: Mapping[str, float] | None = None,
    framing: Framing | None = None,
) -> Answer:
    """The answer a plan gives; `similarity` (passage id → closeness to the question)
    picks which of a card's passages to cite."""
    framing = framing or Framing()
    lang = language
    cites = CitationList()
    first_documents = (
        _document_lines(plan.documents, cites, lang)
        if plan.documents and plan.documents_first
        else []
    )
    actions = tuple(plan_item(c, lang, knowledge, cites, hits, similarity) for c in plan.lead)
    pitfalls = tuple(plan_item(c, lang, knowledge, cites, hits, similarity) for c in plan.pitfalls)
    tactic = (
        plan_item(plan.tactic, lang, knowledge, cites, hits, similarity) if plan.tactic else None
    )

    lines: list[str] = []
    if account is not None:
        lines += account_lines(account, lang, follow_up=framing.follow_up)
    elif framing.stated_segment:
        lines.append(
            ADVISOR.say(
                "answer.stated_segment",
                lang,
                segment=framing.stated_segment,
                segment_label=segment_label(framing.stated_segment, lang),
            )
        )
    else:
        described = describe_profile(framing.profile, lang)
        if described:
            lines.append(described)
    segment_line = _segment_line(plan, lang, knowledge, cites, hits, similarity)
    if segment_line:
        lines.append(segment_line)
    notes: list[str] = []
    if framing.unsure:
        notes.append(ADVISOR.say("answer.unsure", lang))
    stage = assumed_stage(plan)
    if stage and not account:
        key = "answer.reread_stage" if plan.stage_reread else "answer.assumed_stage"
        notes.append(ADVISOR.say(key, lang, stage=_stage_word(stage, lang)))
    risk_titles = {r.code: r.title for r in account.risks} if account else {}
    if plan.uncovered_risks:
        titles = ", ".join(risk_titles.get(code, code) for code in plan.uncovered_risks)
        notes.append(ADVISOR.say("answer.uncovered", lang, risks=titles))
    if notes:
        lines += ["", *notes] if lines else notes

    if first_documents:
        lines += ["", *first_documents]
    for pitfall in pitfalls:
        lines += ["", *_pitfall_lines(pitfall, lang)]
    if actions:
        lines += ["", ADVISOR.say("answer.next_actions", lang)]
        for n, item in enumerate(actions, start=1):
            lines += _action_lines(n, item, risk_titles, lang)
    if tactic:
        refs = "".join(f"[{c}]" for c in tactic.citations)
        lines += ["", f"{ADVISOR.say('answer.tactic', lang, title=tactic.title)} {refs}".rstrip()]
        colon = "：" if lang == "zh" else ": "
        if tactic.when:
            lines.append(f"  {ADVISOR.say('answer.tactic_when', lang)}{colon}{tactic.when}")
        lines.append(
            f"  {ADVISOR.say('answer.tactic_how', lang)}{colon}{join_steps(tactic.steps[:3], lang)}"
        )
        if tactic.risk:
            lines.append(f"  {ADVISOR.say('answer.tactic_risk', lang)}{colon}{tactic.risk}")
    if plan.documents and not plan.documents_first:
        lines += ["", *_document_lines(plan.documents, cites, lang)]

    body = localise("\n".join(lines).strip(), traditional)
    text = body
    if cites.items:
        header = localise(ADVISOR.say("answer.sources", lang), traditional)
        text += "\n\n" + header + "\n" + source_lines(cites.items)
    situations = tuple(
        dict.fromkeys([*framing.situations, *(s for c in plan.lead for s in c.card.situations)])
    )
    return Answer(
        text=text.strip(),
        body=body,
        language="zh-Hant" if traditional else lang,
        actions=actions,
        tactics=(tactic,) if tactic else (),
        pitfalls=pitfalls,
        citations=tuple(cites.items),
        account_id=account.account_id if account else None,
        segment=(account.segment if account else None) or plan.segment or framing.stated_segment,
        situations=situations,
    )


def dont_know(language: str, traditional: bool) -> Answer:
    text = localise(ADVISOR.say("answer.dont_know", language), traditional)
    return Answer(
        text=text, body=text, language="zh-Hant" if traditional else language, known=False
    )


def choose_account(
    name: str, choices: Sequence[AccountChoice], language: str, traditional: bool
) -> Answer:
    """Several accounts the asker may see match the name: ask which one is meant."""
    lines = [ADVISOR.say("answer.choose_account", language, count=len(choices), name=name)]
    lines += [
        ADVISOR.say(
            "answer.choice_line",
            language,
            account_id=c.account_id,
            name=c.name,
            owner=c.owner or "—",
        )
        for c in choices
    ]
    lines.append(ADVISOR.say("answer.choose_again", language, example=f"{choices[0].account_id} …"))
    text = localise("\n".join(lines), traditional)
    return Answer(
        text=text,
        body=text,
        language="zh-Hant" if traditional else language,
        choices=tuple(choices),
    )
