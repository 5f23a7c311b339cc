"""Account briefs for managers: one screen per account, and the at-risk list.

The brief is the advisor's plan for the account (the same card ranking as an
answer, with the account's risk signals as the situation), ordered by urgency:
actions that address the most severe risk come first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.accounts.directory import AccountDirectory
from advisor.accounts.reasons import SEVERITIES, money, percent, severity_rank
from advisor.accounts.view import AccountMetrics, AccountView, RiskView
from advisor.answering.composer import (
    Answer,
    CardSource,
    Citation,
    CitationList,
    PlanItem,
    compose,
    join_steps,
    plan_item,
    source_lines,
    tactic_lines,
)
from advisor.answering.planner import Choice, eligible, make_plan
from advisor.answering.playbook import TACTIC_KINDS, score_cards, situations_for_risks
from advisor.answering.profile import from_segment
from advisor.answering.understanding import lexicon
from advisor.i18n.catalogue import ADVISOR, localise

if TYPE_CHECKING:
    from advisor.answering.knowledge import KnowledgeBase
    from advisor.answering.profile import CustomerProfile

BRIEF_SEARCH_DEPTH = 8


@dataclass(frozen=True)
class Brief:
    account: AccountView
    plan: Answer
    actions: tuple[PlanItem, ...]
    talking_points: tuple[str, ...]
    hours: float | None
    chart: Path | None
    markdown: str

    def as_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account.account_id,
            "name": self.account.name,
            "owner": self.account.owner,
            "segment": self.account.segment,
            "previous_segment": self.account.previous_segment,
            "reasons": self.account.reason_texts,
            "risks": [r.as_json() for r in self.account.risks],
            "metrics": self.account.metrics.as_json(),
            "actions": [a.as_json() for a in self.actions],
            "tactics": [t.as_json() for t in self.plan.tactics],
            "talking_points": list(self.talking_points),
            "hours_per_week": self.hours,
            "chart": str(self.chart) if self.chart else None,
            "citations": [c.as_json() for c in self.plan.citations],
            "markdown": self.markdown,
        }


def _urgency(item: PlanItem, risks: Sequence[RiskView], knowledge: CardSource) -> int:
    """The severity rank of the most severe risk this action addresses (lower = sooner)."""
    card_situations = set(knowledge.card(item.card_id).situations)
    mapping = lexicon()["risk_situations"]
    ranks = [
        severity_rank(r.severity) for r in risks if card_situations & set(mapping.get(r.code, ()))
    ]
    return min(ranks, default=len(SEVERITIES))


def _query(account: AccountView) -> str:
    """What to search the guidance for: the segment and the account's risk titles."""
    titles = [r.title for r in account.risks]
    return " ".join([account.segment, *titles])


def build_brief(
    account_id: str,
    directory: AccountDirectory,
    knowledge: KnowledgeBase,
    *,
    lang: str = "en",
    traditional: bool = False,
    chart: Path | None = None,
) -> Brief:
    """The brief of one account; `knowledge` is a KnowledgeBase (search + cards)."""
    account = directory.record(account_id, lang)
    risks = sorted(account.risks, key=lambda r: severity_rank(r.severity))
    retrieval = knowledge.retrieve(_query(account), BRIEF_SEARCH_DEPTH)
    profile = from_segment(account.segment, "account")
    mapping = lexicon()["risk_situations"]
    cards = knowledge.all_cards()
    outline = make_plan(
        cards,
        retrieval,
        profile=profile,
        account=account,
        risk_situations=mapping,
        question_leads=False,
        family=knowledge.family,
    )
    # The segment's own strategy is the backbone of a brief, whatever the risks.
    lost = any(r.code == "lost" for r in risks)
    own = outline.segment_card
    if own is not None and not lost and all(c.card.id != own.id for c in outline.lead):
        outline = replace(outline, lead=(*outline.lead, Choice(own, 0.0, (), "segment")))
    plan = compose(
        outline,
        language=lang,
        traditional=False,
        account=account,
        knowledge=knowledge,
        hits=retrieval.hits,
        similarity=retrieval.anchored_similarity,
    )
    tactics, citations = _tactics(account, knowledge, lang, plan, profile)
    plan = replace(plan, tactics=tactics, citations=citations)
    actions = tuple(sorted(plan.actions, key=lambda a: _urgency(a, risks, knowledge)))
    if chart is not None:
        from advisor.reports.charts.portfolio import revenue_chart

        chart = revenue_chart(
            directory.monthly(account_id), chart, lang, f"{account.name} ({account_id})"
        )
    hours = directory.hours_per_week(account_id, account.owner)
    points = _talking_points(risks, actions, lang)
    markdown = _markdown(account, risks, actions, plan, points, hours, chart, directory, lang)
    return Brief(
        account=account,
        plan=plan,
        actions=actions,
        talking_points=tuple(localise(p, traditional) for p in points),
        hours=hours,
        chart=chart,
        markdown=localise(markdown, traditional),
    )


def _tactics(
    account: AccountView,
    knowledge: CardSource,
    lang: str,
    plan: Answer,
    profile: CustomerProfile,
) -> tuple[tuple[PlanItem, ...], tuple[Citation, ...]]:
    """Negotiation preparation: the tactics and misconceptions for the account's risks,
    and the plan's citations with their passages added."""
    cites = CitationList()
    for c in plan.citations:
        cites.cite(c.passage, c.card)
    situations = situations_for_risks([r.code for r in account.risks], lexicon()["risk_situations"])
    taken = {a.card_id for a in plan.actions}
    scored = (
        [
            s
            for s in score_cards(knowledge.all_cards(), situations, None, {})
            if s.card.kind in TACTIC_KINDS
            and s.situations
            and s.card.id not in taken
            and eligible(s.card, profile)
        ]
        if situations
        else []
    )
    tactics = tuple(plan_item(s, lang, knowledge, cites) for s in scored[:2])
    return tactics, tuple(cites.items)


def _talking_points(
    risks: Sequence[RiskView],
    actions: Sequence[PlanItem],
    lang: str,
) -> list[str]:
    points = [ADVISOR.say("brief.talking.open_question", lang)]
    for risk in [r for r in risks if r.severity != "info"][:2]:
        points.append(
            ADVISOR.say("brief.talking.risk", lang, title=risk.title, evidence=risk.evidence)
        )
    if actions:
        points.append(ADVISOR.say("brief.talking.value", lang, card=actions[0].title))
    return points


def _severity(severity: str, lang: str) -> str:
    return ADVISOR.say(f"brief.severity.{severity}", lang) if severity in SEVERITIES else severity


def _figures(metrics: AccountMetrics, lang: str) -> str:
    def num(value: float | None, fmt: Callable[[float], str] = str) -> str:
        return "—" if value is None else fmt(value)

    trend = metrics.trend_ratio
    return ADVISOR.say(
        "brief.figures",
        lang,
        window=metrics.window_months,
        revenue=num(metrics.revenue, lambda v: money(v, lang)),
        share=num(metrics.share, lambda v: percent(v)),
        active=num(metrics.active_months),
        trend="—" if trend is None else percent(trend),
        gap=num(metrics.median_gap_days, lambda v: f"{v:.0f}"),
        since=num(metrics.days_since_last, lambda v: f"{v:.0f}"),
    )


def _markdown(
    account: AccountView,
    risks: Sequence[RiskView],
    actions: Sequence[PlanItem],
    plan: Answer,
    points: Sequence[str],
    hours: float | None,
    chart: Path | None,
    directory: AccountDirectory,
    lang: str,
) -> str:
    from advisor.answering.composer import segment_label

    none = ADVISOR.say("brief.none", lang)
    lines = [
        "# " + ADVISOR.say("brief.title", lang, name=account.name, account_id=account.account_id),
        ADVISOR.say(
            "brief.who",
            lang,
            owner=account.owner or none,
            industry=account.industry or none,
            region=account.region or none,
            as_of=directory.analysis.as_of.isoformat(),
        ),
        "",
        "## " + ADVISOR.say("brief.segment_heading", lang),
        ADVISOR.say(
            "brief.segment_now",
            lang,
            segment=account.segment,
            segment_label=segment_label(account.segment, lang),
            previous=account.previous_segment or none,
        ),
        *[f"- {r.text}" for r in account.reasons],
        "",
        "## " + ADVISOR.say("brief.figures_heading", lang),
        _figures(account.metrics, lang),
    ]
    if chart is not None:
        lines.append(ADVISOR.say("brief.chart", lang, path=chart))
    lines += ["", "## " + ADVISOR.say("brief.risks_heading", lang)]
    lines += [f"- **{r.title}** ({_severity(r.severity, lang)}): {r.evidence}" for r in risks] or [
        f"- {none}"
    ]
    lines += ["", "## " + ADVISOR.say("brief.actions_heading", lang)]
    for n, action in enumerate(actions, start=1):
        refs = "".join(f"[{c}]" for c in action.citations)
        lines.append(
            f"{n}. **{action.title}** — {join_steps(action.steps[:3], lang)} {refs}".rstrip()
        )
    lines += ["", "## " + ADVISOR.say("brief.negotiation_heading", lang)]
    if plan.tactics:
        for tactic in plan.tactics:
            lines += tactic_lines(tactic, lang, markdown=True)
    else:
        lines.append(f"- {none}")
    lines += ["", "## " + ADVISOR.say("brief.talking_points_heading", lang)]
    lines += [f"- {p}" for p in points]
    lines += ["", "## " + ADVISOR.say("brief.time_heading", lang)]
    guidance = ADVISOR.say(f"time_guidance.{account.segment}", lang)
    if hours is not None:
        lines.append(
            ADVISOR.say(
                "brief.time",
                lang,
                hours=hours,
                owner=account.owner or none,
                guidance=guidance,
            )
        )
    else:
        lines.append(guidance)
    lines += ["", "## " + ADVISOR.say("brief.sources_heading", lang), source_lines(plan.citations)]
    return "\n".join(lines)
