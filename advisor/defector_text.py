"""`advisor defectors` as text in English, Korean or Chinese."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from advisor.accounts.reasons import money
from advisor.defectors import LOOKBACK_DAYS, Defector, DefectorReport

STUDY_CARD = "def-study-six-steps"


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    text = resources.files("advisor").joinpath("data/messages/defectors.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def word(key: str, lang: str, **params: Any) -> str:
    node: Any = _words()
    for part in key.split("."):
        node = node[part]
    return str(node[lang]).format(**params)


def _line(d: Defector, lang: str) -> str:
    causes = ", ".join(word(f"cause.{c}", lang) for c in d.causes)
    return "- " + word(
        "defector_line", lang, account_id=d.account_id, name=d.name, owner=d.owner or "—",
        segment=d.segment_before, date=d.date.isoformat(), revenue=money(d.revenue, lang),
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
        lines.append("- " + word("rate_line", lang, segment=r.segment, rate=f"{r.rate:.0%}",
                                 full=r.full, partial=r.partial, accounts=r.accounts))
    lines += ["", "## " + word("causes_heading", lang, days=LOOKBACK_DAYS)]
    for cause, count in report.causes.items():
        lines.append("- " + word("cause_line", lang, cause=word(f"cause.{cause}", lang), count=count))
    lines += ["", "## " + word("study_heading", lang)]
    lines += [f"- [ ] {step}" for step in study_steps]
    lines += ["", "## " + word("interview_heading", lang)]
    lines += [_line(d, lang) for d in report.to_interview()]
    return "\n".join(lines)
