"""`advisor defectors` as text in English, Korean or Chinese."""

from __future__ import annotations

from advisor.accounts.reasons import money, percent
from advisor.i18n.catalogue import DEFECTORS
from advisor.reports.defectors import LOOKBACK_DAYS, Defector, DefectorReport

STUDY_CARD = "def-study-six-steps"


def _line(d: Defector, lang: str) -> str:
    causes = ", ".join(DEFECTORS.say(f"cause.{c}", lang) for c in d.causes)
    why = DEFECTORS.say(f"signal.{d.signal}", lang, ratio=percent(d.change)) if d.signal else "—"
    return "- " + DEFECTORS.say(
        "defector_line",
        lang,
        account_id=d.account_id,
        name=d.name,
        owner=d.owner or "—",
        segment=d.segment_before,
        date=d.date.isoformat(),
        why=why,
        revenue=money(d.revenue, lang),
        causes=causes,
    )


def report_text(report: DefectorReport, study_steps: list[str], lang: str = "en") -> str:
    since = (
        DEFECTORS.say("since_part", lang, since=report.since.isoformat()) if report.since else ""
    )
    lines = [
        "# " + DEFECTORS.say("title", lang, as_of=report.as_of.isoformat(), since_part=since),
        "",
    ]
    if not report.defectors:
        return "\n".join([*lines, DEFECTORS.say("none", lang)])
    for kind, group in (("full", report.full), ("partial", report.partial)):
        lines += [f"## {DEFECTORS.say(f'{kind}_heading', lang, count=len(group))}"]
        lines += [_line(d, lang) for d in group] or ["-"]
        lines.append("")
    lines.append("## " + DEFECTORS.say("rates_heading", lang))
    for r in report.rates:
        lines.append(
            "- "
            + DEFECTORS.say(
                "rate_line",
                lang,
                segment=r.segment,
                rate=f"{r.rate:.0%}",
                full=r.full,
                partial=r.partial,
                accounts=r.accounts,
            )
        )
    lines += ["", "## " + DEFECTORS.say("causes_heading", lang, days=LOOKBACK_DAYS)]
    for cause, count in report.causes.items():
        lines.append(
            "- "
            + DEFECTORS.say(
                "cause_line", lang, cause=DEFECTORS.say(f"cause.{cause}", lang), count=count
            )
        )
    lines += ["", "## " + DEFECTORS.say("study_heading", lang)]
    lines += [f"- [ ] {step}" for step in study_steps]
    lines += ["", "## " + DEFECTORS.say("interview_heading", lang)]
    lines += [_line(d, lang) for d in report.to_interview()]
    return "\n".join(lines)
