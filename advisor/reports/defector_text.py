"""`advisor defectors` as text in English, Korean or Chinese."""

from __future__ import annotations

from advisor.accounts.reasons import money, percent
from advisor.i18n.catalogue import Catalogue
from advisor.reports.defectors import LOOKBACK_DAYS, Defector, DefectorReport

STUDY_CARD = "def-study-six-steps"


word = Catalogue("defectors").say


def _line(d: Defector, lang: str) -> str:
    causes = ", ".join(word(f"cause.{c}", lang) for c in d.causes)
    why = word(f"signal.{d.signal}", lang, ratio=percent(d.change)) if d.signal else "—"
    return "- " + word(
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
    since = word("since_part", lang, since=report.since.isoformat()) if report.since else ""
    lines = ["# " + word("title", lang, as_of=report.as_of.isoformat(), since_part=since), ""]
    if not report.defectors:
        return "\n".join([*lines, word("none", lang)])
    for kind, group in (("full", report.full), ("partial", report.partial)):
        lines += [f"## {word(f'{kind}_heading', lang, count=len(group))}"]
        lines += [_line(d, lang) for d in group] or ["-"]
        lines.append("")
    lines.append("## " + word("rates_heading", lang))
    for r in report.rates:
        lines.append(
            "- "
            + word(
                "rate_line",
                lang,
                segment=r.segment,
                rate=f"{r.rate:.0%}",
                full=r.full,
                partial=r.partial,
                accounts=r.accounts,
            )
        )
    lines += ["", "## " + word("causes_heading", lang, days=LOOKBACK_DAYS)]
    for cause, count in report.causes.items():
        lines.append(
            "- " + word("cause_line", lang, cause=word(f"cause.{cause}", lang), count=count)
        )
    lines += ["", "## " + word("study_heading", lang)]
    lines += [f"- [ ] {step}" for step in study_steps]
    lines += ["", "## " + word("interview_heading", lang)]
    lines += [_line(d, lang) for d in report.to_interview()]
    return "\n".join(lines)
