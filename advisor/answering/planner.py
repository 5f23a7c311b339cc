"""Choosing what an answer says: retrieval leads, the customer's stage and segment filter,
the account's risks complete.

The cards that hybrid search ranks highest for the question decide the
actions; the situations the question's words name are one more signal, not a
gate. A card for another stage of customer (a prospect's strategy for a
current customer, or the reverse) or for another segment is never chosen.
Then:
- the one or two cards that fit best lead the answer;
- an account answer adds a card for each high- and medium-severity risk that
  the leading cards leave open;
- a negotiation tactic, and a misconception (a pitfall), appear only when the
  question itself leads to them;
- passages of the user's own documents that search ranks near the top are
  cited directly (they have no cards).
Pure functions over cards, the retrieval result and the account view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from advisor.accounts.reasons import SERIOUS, severity_rank
from advisor.accounts.view import AccountView
from advisor.answering.profile import (
    EXISTING,
    FIRM_CUES,
    FUTURE,
    PROSPECT,
    CustomerProfile,
    stage_of_segment,
)
from knowledge.cards import Card
from knowledge.search.retrieval import Hit, Retrieval
from knowledge.yamlfile import load_yaml

ACTION_KINDS = frozenset(
    {"strategy", "countermeasure", "framework", "risk", "case", "negotiation-tactic"}
)
RISK_ACTION_KINDS = frozenset({"strategy", "countermeasure", "risk", "framework"})
# Tactics, misconceptions and cases are about the negotiating table and the
# rep's own mistakes, whichever stage the customer is at.
STAGE_FREE_KINDS = frozenset({"negotiation-tactic", "misconception", "case"})
WEAK_QUESTION_WEIGHT = 0.3


@dataclass(frozen=True)
class PlanningRules:
    """The planner's weights and cut-offs (advisor/data/answering.yaml, `planning`)."""

    keyword_bonus: float = 0.15
    keyword_cap: int = 2
    stated_segment_bonus: float = 0.3
    described_segment_bonus: float = 0.15
    pitfall_lead_ratio: float = 0.6
    low_contribution_penalty: float = 0.7
    second_lead_ratio: float = 0.75
    tactic_ratio: float = 0.6
    pitfall_ratio: float = 1.0
    section_rank: int = 4
    max_actions: int = 4
    document_rank: int = 3
    description_yields_ratio: float = 0.6

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> PlanningRules:
        known = {k: type(getattr(cls(), k))(v) for k, v in raw.items() if hasattr(cls(), k)}
        return cls(**known)


@lru_cache(maxsize=1)
def answering_rules() -> dict[str, Any]:
    text = resources.files("advisor").joinpath("data/answering.yaml").read_text("utf-8")
    return load_yaml(text)


def planning_rules() -> PlanningRules:
    return PlanningRules.from_mapping(answering_rules().get("planning") or {})


@dataclass(frozen=True)
class Choice:
    """A card in the answer, with why: the question led to it, or an account risk."""

    card: Card
    score: float
    risks: tuple[str, ...] = ()  # codes of the account risks it addresses
    reason: str = "question"  # question | risk | segment


@dataclass(frozen=True)
class Plan:
    lead: tuple[Choice, ...] = ()
    pitfalls: tuple[Choice, ...] = ()
    tactic: Choice | None = None
    documents: tuple[Hit, ...] = ()
    documents_first: bool = False  # the user's own document is what search ranked first
    segment_card: Card | None = None  # the segment's own strategy, told in one line
    segment: str | None = None
    about_segment: bool = False
    uncovered_risks: tuple[str, ...] = ()
    stage_unknown: bool = False  # the lead assumes a stage the question did not give
    stage_reread: bool = False  # …or one other than the stage its words hinted at


def card_stages(card: Card) -> frozenset[str]:
    """The customer stages a card is written for; empty: any stage."""
    if card.kind in STAGE_FREE_KINDS or not card.segments:
        return frozenset()
    return frozenset(stage_of_segment(s) for s in card.segments)


def is_segment_strategy(card: Card) -> bool:
    """A segment's own strategy (EI integrate, PII nurture…): right only for that segment."""
    if card.kind not in ("strategy", "framework") or not card.segments:
        return False
    stages = {stage_of_segment(s) for s in card.segments}
    return len(stages) == 1 and len(card.segments) <= 2 and FUTURE not in stages


def eligible(card: Card, profile: CustomerProfile) -> bool:
    stages = card_stages(card)
    if profile.stage and stages and profile.stage not in stages:
        return False
    possible = profile.segments
    return not (possible and is_segment_strategy(card) and not set(card.segments) & set(possible))


def _same_stage(card: Card, other: Card) -> bool:
    a, b = card_stages(card), card_stages(other)
    return not a or not b or bool(a & b)


def _high_only(card: Card) -> bool:
    return bool(card.segments) and set(card.segments) <= {"EI", "EII", "PI", "PII"}


@dataclass
class _Scorer:
    cards: Mapping[str, Card]
    retrieval: Retrieval
    situations: Sequence[str]
    profile: CustomerProfile
    stated_segment: str | None
    rules: PlanningRules
    scores: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        top = max((c.score for c in self.retrieval.cards), default=0.0) or 1.0
        base = {c.card_id: c.score / top for c in self.retrieval.cards}
        wanted = set(self.situations)
        for card in self.cards.values():
            if not eligible(card, self.profile):
                continue
            score = base.get(card.id, 0.0)
            matched = min(len(wanted & set(card.situations)), self.rules.keyword_cap)
            score += self.rules.keyword_bonus * matched
            if is_segment_strategy(card):
                if self.stated_segment and self.stated_segment in card.segments:
                    score += self.rules.stated_segment_bonus
                elif self.profile.segment and self.profile.segment in card.segments:
                    score += self.rules.described_segment_bonus
            if self.profile.contribution == "low" and _high_only(card):
                score *= self.rules.low_contribution_penalty
            if score > 0:
                self.scores[card.id] = score

    def ranked(self) -> list[Choice]:
        order = sorted(self.scores, key=lambda cid: -self.scores[cid])
        return [Choice(self.cards[cid], self.scores[cid]) for cid in order]


def _own_strategy(cards: Sequence[Card], segment: str | None) -> Card | None:
    if not segment:
        return None
    if segment == "F":
        # Future customers: where to look for them comes first.
        return next((c for c in cards if c.segments == ("F",) and c.kind == "strategy"), None)
    own = [c for c in cards if is_segment_strategy(c) and segment in c.segments]
    own.sort(key=lambda c: (len(c.segments), c.kind != "strategy"))
    return own[0] if own else None


def _risk_fit(
    card: Card, wanted: set[str], score: float, segment: str | None, small: bool = False
) -> tuple[float, int, int]:
    """How well a card answers an account risk: the question's score for it, a card that is
    mainly about that situation first (the sources' countermeasure above all), this
    segment's own card before general ones, the one-line segment strategy last."""
    own_segment = bool(segment and segment in card.segments and len(card.segments) == 1)
    primary = bool(card.situations) and card.situations[0] in wanted
    bonus = (
        0.3 * primary
        + 0.2 * (card.kind == "countermeasure")
        + 0.2 * own_segment
        - 0.1 * (card.kind == "risk")
        - 0.2 * is_segment_strategy(card)
        - 0.3 * (small and _high_only(card))
    )
    return score + bonus, len(wanted & set(card.situations)), -len(card.situations)


NO_PROFILE = CustomerProfile()
# A description whose winning side leads by fewer cues is a hint, not a fact.
WEAK_CUES = FIRM_CUES - 1


def weigh_description(
    profile: CustomerProfile,
    retrieval: Retrieval,
    cards: Mapping[str, Card],
    rules: PlanningRules | None = None,
) -> CustomerProfile:
    """The description, unless its stage (or size) leads by a single cue and retrieval
    decisively prefers a card that it rules out: the card that fits best, and every
    stage-specific card the description allows scoring under `description_yields_ratio`
    of it (a tactic for any stage says nothing about the stage). "Win a company that buys
    from the leader" has the cue of an existing customer ("buys"), but asks how to win a
    prospect. What gives way is left open; a stage that gave way is marked, and the
    answer says which stage it assumed."""
    rules = rules or planning_rules()
    if profile.source != "described" or not retrieval.cards:
        return profile
    best = cards.get(retrieval.cards[0].card_id)
    if best is None or eligible(best, profile):
        return profile
    allowed = [
        c.score
        for c in retrieval.cards[1:]
        if c.card_id in cards
        and card_stages(cards[c.card_id])
        and eligible(cards[c.card_id], profile)
    ]
    if allowed and max(allowed) >= rules.description_yields_ratio * retrieval.cards[0].score:
        return profile
    revised = profile
    stages = card_stages(best)
    if stages and revised.stage not in stages and revised.stage_cues <= WEAK_CUES:
        revised = replace(revised, stage=None, second_axis=None, stage_cues=0, stage_reread=True)
    if not eligible(best, revised) and revised.contribution_cues <= WEAK_CUES:
        revised = replace(revised, contribution=None, contribution_cues=0)
    if not eligible(best, revised):
        return profile
    if revised.stage is None and revised.contribution is None:
        return replace(NO_PROFILE, stage_reread=revised.stage_reread)
    return revised


def make_plan(
    cards: Sequence[Card],
    retrieval: Retrieval,
    *,
    situations: Sequence[str] = (),
    profile: CustomerProfile = NO_PROFILE,
    stated_segment: str | None = None,
    account: AccountView | None = None,
    risk_situations: Mapping[str, Sequence[str]] | None = None,
    question_leads: bool = True,
    question_first: bool = True,
    family: Callable[[Card], str] = lambda card: card.id,
    is_user_document: Callable[[Hit], bool] = lambda hit: False,
    rules: PlanningRules | None = None,
) -> Plan:
    """What the answer says. `question_leads` is False when the question says nothing
    beyond naming an account: its risks then lead. `question_first` False puts the
    question's card after the account's risks (a question the advisor is unsure of)."""
    rules = rules or planning_rules()
    by_id = {c.id: c for c in cards}
    risks = sorted(account.risks if account else (), key=lambda r: severity_rank(r.severity))
    lost = any(r.code == "lost" for r in risks)
    segment = profile.segment
    # A lost account needs the defector study, not its old segment's strategy.
    planning_profile = CustomerProfile(profile.stage, source=profile.source) if lost else profile
    scorer = _Scorer(by_id, retrieval, situations, planning_profile, stated_segment, rules)
    ranked = scorer.ranked()
    top_score = ranked[0].score if ranked else 0.0
    top_ids = [c.card.id for c in ranked[: rules.section_rank]]
    own = None if lost else _own_strategy(cards, segment)

    lead: list[Choice] = []
    families: set[str] = set()

    def take(choice: Choice) -> None:
        lead.append(choice)
        families.add(family(choice.card))

    # When a pitfall is what the question leans into most, an action leads only if
    # it fits nearly as well; otherwise the pitfall and its remedy are the answer.
    floor = (
        rules.pitfall_lead_ratio * top_score
        if ranked and ranked[0].card.kind == "misconception"
        else 0.0
    )
    second: Choice | None = None
    if question_leads:
        for choice in ranked:
            if choice.card.kind == "misconception" or choice.card.kind not in ACTION_KINDS:
                continue
            if choice.score < floor:
                break
            if lead and choice.score < rules.second_lead_ratio * lead[0].score:
                break
            if family(choice.card) in families:
                continue
            if (lead or second) and not _same_stage(choice.card, (lead or [second])[0].card):
                continue  # one answer speaks of one stage of customer
            if not lead and (question_first or not risks):
                take(choice)
            else:
                second = choice  # after the account's risks, if there is room
                break
    about_segment = bool(own and lead and lead[0].card.id == own.id)

    # Every severe account risk gets the card that answers it best (the sources'
    # countermeasure first); a leading card that is that card answers it already.
    mapping = risk_situations or {}
    uncovered: list[str] = []
    for risk in [r for r in risks if r.severity in SERIOUS]:
        code = risk.code
        wanted = set(mapping.get(code, ()))
        if not wanted:
            continue
        candidates = [
            c
            for c in by_id.values()
            if c.kind in RISK_ACTION_KINDS
            and wanted & set(c.situations)
            and eligible(c, planning_profile)
        ]
        if not candidates:
            uncovered.append(code)
            continue
        # A question that leads says which of the risk's cards fits; one that does not
        # (or a brief's query made of risk titles) only breaks ties.
        weight = 1.0 if question_leads and question_first else WEAK_QUESTION_WEIGHT
        best = max(
            candidates,
            key=lambda card, wanted=wanted: _risk_fit(
                card,
                wanted,
                weight * scorer.scores.get(card.id, 0.0),
                segment,
                planning_profile.contribution == "low",
            ),
        )
        taken = [
            i for i, c in enumerate(lead) if c.card.id == best.id or family(c.card) == family(best)
        ]
        if taken:
            i = taken[0]
            lead[i] = Choice(lead[i].card, lead[i].score, (*lead[i].risks, code), lead[i].reason)
        elif len(lead) >= rules.max_actions:
            uncovered.append(code)
        else:
            take(Choice(best, scorer.scores.get(best.id, 0.0), (code,), "risk"))

    if second is not None and len(lead) < rules.max_actions and family(second.card) not in families:
        take(second)
    if not lead and own is not None:
        take(Choice(own, scorer.scores.get(own.id, 0.0), (), "segment"))
        about_segment = True

    def section(kind: str, ratio: float) -> Choice | None:
        if not question_leads:
            return None
        taken = {c.card.id for c in lead}
        for choice in ranked:
            if choice.card.kind == kind and choice.card.id not in taken:
                fits = choice.card.id in top_ids and choice.score >= ratio * top_score
                return choice if fits else None
        return None

    documents = (
        tuple(hit for hit in retrieval.hits[: rules.document_rank] if is_user_document(hit))
        if question_leads
        else ()
    )
    pitfalls: list[Choice] = []
    first = section("misconception", rules.pitfall_ratio)
    if first is not None:
        pitfalls.append(first)
        # A second misconception only when the question leans into it about as much.
        for choice in ranked[: rules.section_rank]:
            if (
                choice.card.kind == "misconception"
                and choice.card.id != first.card.id
                and choice.score >= rules.second_lead_ratio * first.score
            ):
                pitfalls.append(choice)
                break
    return Plan(
        lead=tuple(lead),
        pitfalls=tuple(pitfalls),
        tactic=section("negotiation-tactic", rules.tactic_ratio),
        documents=documents,
        documents_first=bool(documents) and documents[0] is retrieval.hits[0],
        segment_card=own,
        segment=segment,
        about_segment=about_segment,
        uncovered_risks=tuple(uncovered),
        stage_unknown=(
            _stage_in_doubt(profile, lead, ranked, rules) or _reread(profile, lead)
            if question_leads
            else False
        ),
        stage_reread=question_leads and _reread(profile, lead),
    )


def _stage_in_doubt(
    profile: CustomerProfile,
    lead: Sequence[Choice],
    ranked: Sequence[Choice],
    rules: PlanningRules,
) -> bool:
    """The question does not say the customer's stage, the leading card is for one stage,
    and a card for another stage fits nearly as well: the answer says what it assumed."""
    if profile.stage is not None or not lead:
        return False
    stages = card_stages(lead[0].card)
    if len(stages) != 1:
        return False
    return any(
        card_stages(c.card)
        and not card_stages(c.card) & stages
        and c.score >= rules.second_lead_ratio * lead[0].score
        for c in ranked[: rules.section_rank]
    )


def _reread(profile: CustomerProfile, lead: Sequence[Choice]) -> bool:
    return (
        profile.stage_reread
        and profile.stage is None
        and bool(lead)
        and len(card_stages(lead[0].card)) == 1
    )


def assumed_stage(plan: Plan) -> str | None:
    """The stage the leading card is written for, when the question did not say."""
    if not plan.stage_unknown or not plan.lead:
        return None
    stages = card_stages(plan.lead[0].card)
    return next(iter(stages)) if len(stages) == 1 else None


__all__ = ["EXISTING", "PROSPECT", "FUTURE", "Choice", "Plan", "PlanningRules", "make_plan"]
