"""The weekly digest for managers: movements, revenue at risk, reps' time against the guidance.

`build_digest` is pure (an analysis, the visits on record and, when there is
one, the snapshot of a week earlier in; a JSON-able dict out); `digest_parts`
writes it in the manager's language. Movements are counted against the
snapshot the daily alert run saved a week ago; without one (a new install, or
`advisor digest` before the bot has run for a week) the quarter's movements are
shown, as in /portfolio.

The sources give no hours for a rep's week, only an order (EII most urgent, EI
a long-term plan, EIII regular visits, EIV least; PI close fast, PII nurture):
`advisor.accounts.allocation` turns it into shares. What a rep actually did is
read from the `visit` events on record, by the visited account's segment.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from advisor.accounts.movement import ALARMS
from advisor.accounts.reasons import label, money, percent
from advisor.alerts.rules import Snapshot
from advisor.i18n.catalogue import ALERTS, localise

if TYPE_CHECKING:
    from advisor.accounts.portfolio import PortfolioAnalysis

VISIT_DAYS = 90
TOP_AT_RISK = 5
GAP_POINTS = 0.15  # a segment's visit share this far under its guidance share is flagged
SHOWN_SHARE = 0.05  # segments under this share of guidance and without visits are left out


def build_digest(
    analysis: PortfolioAnalysis,
    visits: Iterable[tuple[str, dt.date]] = (),
    week_ago: Snapshot | None = None,
    *,
    owner: str | None = None,
    hours: float = 40.0,
    visit_days: int = VISIT_DAYS,
) -> dict[str, Any]:
    summary = analysis.summary("en", owner)
    # Rows of the segmentation table, not account views: the digest is a JSON
    # document of plain values, and no text of the reasons or risks is needed.
    rows = analysis.rows(owner)
    segment_of = {r["account_id"]: r["segment"] for r in rows}
    owner_of = {r["account_id"]: r["owner"] for r in rows}
    return {
        "as_of": analysis.as_of.isoformat(),
        "owner": owner,
        "accounts": summary["accounts"],
        "revenue": summary["revenue"],
        "movements": _movements(summary, rows, week_ago),
        "at_risk": {**summary["at_risk"], "top": _top_at_risk(analysis, rows)},
        "allocation": _allocation(analysis, owner, hours, visits, segment_of, owner_of, visit_days),
        "visit_days": visit_days,
    }


def _movements(
    summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], week_ago: Snapshot | None
) -> dict[str, Any]:
    if week_ago is None:
        return {
            "since": summary["previous_as_of"],
            "period": "quarter",
            "matrix": summary["movements"],
            "alarms": summary["alarms"],
        }
    counts: Counter[tuple[str, str]] = Counter()
    alarms = []
    for row in rows:
        before = week_ago.accounts.get(row["account_id"])
        if before is None or before.segment == row["segment"]:
            continue
        counts[(before.segment, row["segment"])] += 1
        if (before.segment, row["segment"]) in ALARMS:
            alarms.append(
                {
                    "account_id": row["account_id"],
                    "name": row["name"],
                    "owner": row["owner"],
                    "from": before.segment,
                    "to": row["segment"],
                }
            )
    matrix = [
        {"from": a, "to": b, "accounts": n, "alarm": (a, b) in ALARMS}
        for (a, b), n in counts.items()
    ]
    matrix.sort(key=lambda r: (not r["alarm"], -r["accounts"], r["from"], r["to"]))
    return {
        "since": week_ago.taken_on.isoformat(),
        "period": "week",
        "matrix": matrix,
        "alarms": sorted(alarms, key=lambda a: a["account_id"]),
    }


def _top_at_risk(
    analysis: PortfolioAnalysis, rows: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    flagged = []
    for row in rows:
        serious = [
            r for r in analysis.risks.get(row["account_id"], []) if r.severity in ("high", "medium")
        ]
        if serious:
            flagged.append(
                {
                    "account_id": row["account_id"],
                    "name": row["name"],
                    "owner": row["owner"],
                    "revenue": round(row["revenue"] or 0.0, 2),
                    "risk": serious[0].code,
                    "severity": serious[0].severity,
                }
            )
    flagged.sort(key=lambda r: (-r["revenue"], r["account_id"]))
    return flagged[:TOP_AT_RISK]


def _allocation(
    analysis: PortfolioAnalysis,
    owner: str | None,
    hours: float,
    visits: Iterable[tuple[str, dt.date]],
    segment_of: Mapping[str, str],
    owner_of: Mapping[str, str | None],
    visit_days: int,
) -> list[dict[str, Any]]:
    since = analysis.as_of - dt.timedelta(days=visit_days)
    counted: dict[str, Counter[str]] = {}
    for account_id, day in visits:
        if account_id in segment_of and since < day <= analysis.as_of:
            visitor = owner_of.get(account_id) or "(none)"
            counted.setdefault(visitor, Counter())[segment_of[account_id]] += 1
    out = []
    for rep in analysis.allocation(owner, hours):
        seen = counted.get(rep.owner, Counter())
        total = sum(seen.values())
        segments: list[dict[str, Any]] = []
        for share in rep.segments:
            actual = seen.get(share.segment, 0) / total if total else None
            segments.append(
                {
                    "segment": share.segment,
                    "accounts": share.accounts,
                    "guidance_share": share.share,
                    "hours": share.hours,
                    "visits": seen.get(share.segment, 0),
                    "visit_share": round(actual, 4) if actual is not None else None,
                }
            )
        under = [
            s
            for s in segments
            if s["visit_share"] is not None and s["guidance_share"] - s["visit_share"] >= GAP_POINTS
        ]
        out.append(
            {
                "owner": rep.owner,
                "accounts": rep.accounts,
                "visits": total,
                "segments": segments,
                "under_served": [s["segment"] for s in under],
            }
        )
    return out


# ---- the text ----------------------------------------------------------------------


def digest_parts(
    digest: Mapping[str, Any], lang: str, traditional: bool = False
) -> tuple[str, ...]:
    """The digest as paragraphs in one language."""
    scope = (
        ALERTS.say("digest.scope_owner", lang, owner=digest["owner"])
        if digest["owner"]
        else ALERTS.say("digest.scope_all", lang)
    )
    parts = [
        ALERTS.say("digest.title", lang, scope=scope, as_of=digest["as_of"])
        + "\n"
        + ALERTS.say(
            "digest.overview",
            lang,
            accounts=digest["accounts"],
            revenue=money(digest["revenue"], lang),
        )
    ]
    parts.append(_moves_text(digest["movements"], lang))
    parts.append(_risk_text(digest["at_risk"], lang))
    if digest["allocation"]:
        lines = [ALERTS.say("digest.allocation", lang, days=digest["visit_days"])]
        for rep in digest["allocation"]:
            lines += _rep_lines(rep, lang)
        parts.append("\n".join(lines))
    parts.append(ALERTS.say("digest.footer", lang))
    return tuple(localise(p, traditional) for p in parts)


def digest_text(digest: Mapping[str, Any], lang: str, traditional: bool = False) -> str:
    return "\n\n".join(digest_parts(digest, lang, traditional))


def _moves_text(moves: Mapping[str, Any], lang: str) -> str:
    key = "digest.moves_week" if moves["period"] == "week" else "digest.moves_quarter"
    lines = [ALERTS.say(key, lang, since=moves["since"])]
    if not moves["matrix"]:
        lines.append(ALERTS.say("digest.no_moves", lang))
    for row in moves["matrix"]:
        mark = ALERTS.say("digest.alarm_mark", lang) if row["alarm"] else ""
        lines.append(
            "- "
            + ALERTS.say(
                "digest.move_row", lang, before=row["from"], after=row["to"], count=row["accounts"]
            )
            + mark
        )
    if moves["alarms"]:
        lines.append(ALERTS.say("digest.alarms", lang))
        lines += [
            f"- {a['account_id']} {a['name']} ({a['owner'] or '—'}): {a['from']} → {a['to']}"
            for a in moves["alarms"]
        ]
    return "\n".join(lines)


def _risk_text(risk: Mapping[str, Any], lang: str) -> str:
    lines = [
        ALERTS.say(
            "digest.at_risk",
            lang,
            revenue=money(risk["revenue"], lang),
            share=percent(risk["share"]),
            accounts=risk["accounts"],
        )
    ]
    if risk["by_risk"]:
        sep = "、" if lang == "zh" else ", "
        signals = sep.join(
            f"{label('risk_title.' + code, lang)} {n}" for code, n in risk["by_risk"].items()
        )
        lines.append(ALERTS.say("digest.by_risk", lang, signals=signals))
    if risk["top"]:
        lines.append(ALERTS.say("digest.top_risk", lang))
        for r in risk["top"]:
            title = label("risk_title." + r["risk"], lang)
            lines.append(
                f"- {r['account_id']} {r['name']} ({r['owner'] or '—'}) · "
                f"{money(r['revenue'], lang)} · {title}"
            )
    return "\n".join(lines)


def _rep_lines(rep: Mapping[str, Any], lang: str) -> list[str]:
    shown = [s for s in rep["segments"] if s["guidance_share"] >= SHOWN_SHARE or s["visits"]]
    guidance = " · ".join(f"{s['segment']} {percent(s['guidance_share'])}" for s in shown)
    if rep["visits"]:
        actual = " · ".join(f"{s['segment']} {percent(s['visit_share'])}" for s in shown)
    else:
        actual = ALERTS.say("digest.no_visits", lang)
    lines = [
        ALERTS.say(
            "digest.rep_row",
            lang,
            owner=rep["owner"],
            accounts=rep["accounts"],
            guidance=guidance,
            visits=rep["visits"],
            actual=actual,
        )
    ]
    for s in rep["segments"]:
        if s["segment"] in rep["under_served"]:
            lines.append(
                ALERTS.say(
                    "digest.rep_gap",
                    lang,
                    segment=s["segment"],
                    actual=percent(s["visit_share"]),
                    guide=percent(s["guidance_share"]),
                )
            )
    return lines
