"""`advisor import`, `segment`, `portfolio`."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from advisor.accounts.reasons import check_lang, label, money, percent
from advisor.cli.common import account_store, echo_json, settings
from advisor.errors import AdvisorError

if TYPE_CHECKING:
    from advisor.accounts.portfolio import PortfolioAnalysis
    from advisor.accounts.store import AccountStore

# The store, the importer and the analysis (SQLAlchemy, polars) are imported by the
# commands that use them, so that `--help` and the other commands start at once.

FILE = click.Path(dir_okay=False, path_type=Path)
SEVERITY_MARK = {"high": "!!", "medium": "!", "low": "·", "info": "i"}


class BadOptionError(AdvisorError):
    """A command-line value could not be understood."""


def _open_store(ctx: click.Context) -> AccountStore:
    return account_store(settings(ctx))


def _as_of(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadOptionError(f"--as-of '{text}' is not a date (YYYY-MM-DD)") from None


def _analysis(ctx: click.Context, as_of: str | None) -> PortfolioAnalysis:
    from advisor.accounts.portfolio import analyse_store

    config = settings(ctx).segments
    with _open_store(ctx) as store:
        return analyse_store(store, _as_of(as_of), config)


def _width(text: str) -> int:
    if text.isascii():  # nearly every cell: no per-character lookup
        return len(text)
    return _wide_width(text)


@lru_cache(maxsize=4096)  # the few segment moves ("EI→EII") recur on every line
def _wide_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    """Pad or cut to a display width, counting CJK characters as two columns."""
    total = _width(text)
    if total <= width:
        return text + " " * (width - total)
    out: list[str] = []
    used = 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:  # one column is left for the ellipsis
            break
        out.append(ch)
        used += w
    return "".join(out) + "…" + " " * max(0, width - used - 1)


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], right: set[int] | None = None
) -> str:
    right = right or set()
    # Column by column, so that the work on a list of 100,000 accounts (600,000
    # cells) is done by str methods, not by a Python loop over every cell.
    columns = [list(map(str, column)) for column in zip(headers, *rows, strict=True)]
    padded = []
    for i, cells in enumerate(columns):
        sizes = list(map(_width, cells))
        width = max(sizes)
        if all(size == len(cell) for size, cell in zip(sizes, cells, strict=True)):
            align = str.rjust if i in right else str.ljust
            padded.append(list(map(align, cells, repeat(width))))
        else:
            padded.append(
                [
                    " " * (width - size) + cell if i in right else cell + " " * (width - size)
                    for cell, size in zip(cells, sizes, strict=True)
                ]
            )
    return "\n".join(line.rstrip() for line in map("  ".join, zip(*padded, strict=True)))


@click.command("import")
@click.option("--accounts", type=FILE, help="accounts.csv: account_id, name, owner, stage, ...")
@click.option("--transactions", type=FILE, help="transactions.csv: account_id, date, amount, ...")
@click.option("--events", type=FILE, help="events.csv: account_id, date, type, value, note")
@click.option("--json", "as_json", is_flag=True, help="Print counts per table as JSON.")
@click.pass_context
def import_command(
    ctx: click.Context,
    accounts: Path | None,
    transactions: Path | None,
    events: Path | None,
    as_json: bool,
) -> None:
    """Load CRM/ERP exports into the accounts store, all or nothing."""
    from advisor.accounts.importer import import_files
    from advisor.cli.progress import progress_bars

    with _open_store(ctx) as store:
        result = import_files(
            store,
            accounts=accounts,
            transactions=transactions,
            events=events,
            progress=progress_bars(as_json),
        )
    counts = result.as_dict()
    if as_json:
        echo_json(counts)
        return
    rows = [(name, c["inserted"], c["updated"], c["unchanged"]) for name, c in counts.items()]
    click.echo(_table(("table", "inserted", "updated", "unchanged"), rows, right={1, 2, 3}))


@click.command("segment")
@click.option(
    "--as-of", "as_of", metavar="DATE", help="Observation date (default: latest transaction)."
)
@click.option("--lang", default="en", show_default=True, help="Language of reasons: en, ko or zh.")
@click.option("--owner", help="Only this rep's accounts.")
@click.option("--segment", "only", multiple=True, help="Only these segments (repeatable).")
@click.option("-v", "--verbose", is_flag=True, help="Show the reasons and risk evidence.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list of accounts.")
@click.pass_context
def segment_command(
    ctx: click.Context,
    as_of: str | None,
    lang: str,
    owner: str | None,
    only: tuple[str, ...],
    verbose: bool,
    as_json: bool,
) -> None:
    """Segment every account (EI-EIV, PI-PIV, F) with reasons and risks."""
    check_lang(lang)
    analysis = _analysis(ctx, as_of)
    if as_json:
        echo_json(analysis.records(lang, owner, only))
        return
    # The listing stays rows of plain values: a table, cheap for 100,000 accounts.
    listed = analysis.listing(owner, only)
    rows = []
    for r in listed:
        move = (
            r["segment"]
            if r["previous_segment"] in (None, r["segment"])
            else f"{r['previous_segment']}→{r['segment']}"
        )
        risks = " ".join(
            f"{SEVERITY_MARK[severity]}{code}"
            for severity, code in r["risks"]
            if severity != "info"
        )
        rows.append(
            (
                r["account_id"],
                _fit(r["name"], 24),
                r["owner"] or "",
                move,
                money(r["revenue"], lang),
                risks,
            )
        )
    click.echo(f"as of {analysis.as_of} (a quarter earlier: {analysis.before.as_of})")
    if not verbose:
        click.echo(_table(("id", "name", "owner", "segment", "revenue", "risks"), rows, right={4}))
        return
    views = analysis.views(lang, owner, only)
    for view, row in zip(views, rows, strict=True):
        click.echo(
            _table(
                ("id", "name", "owner", "segment", "revenue", "risks"), [row], right={4}
            ).splitlines()[1]
        )
        for reason in view.reasons:
            click.echo(f"    - {reason.text}")
        for risk in view.risks:
            click.echo(f"    {SEVERITY_MARK[risk.severity]} {risk.title}: {risk.evidence}")


@click.command("portfolio")
@click.option(
    "--as-of", "as_of", metavar="DATE", help="Observation date (default: latest transaction)."
)
@click.option("--chart", type=FILE, help="Also draw the portfolio matrix to this PNG.")
@click.option("--lang", default="en", show_default=True, help="Language: en, ko or zh.")
@click.option("--owner", help="Only this rep's accounts.")
@click.option("--hours", default=40.0, show_default=True, help="A rep's selling hours per week.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON document.")
@click.pass_context
def portfolio_command(
    ctx: click.Context,
    as_of: str | None,
    chart: Path | None,
    lang: str,
    owner: str | None,
    hours: float,
    as_json: bool,
) -> None:
    """The segment matrix for a manager: counts, revenue, movements, risk, time per rep."""
    check_lang(lang)
    analysis = _analysis(ctx, as_of)
    summary = analysis.summary(lang, owner)
    summary["allocation"] = [a.as_dict() for a in analysis.allocation(owner, hours)]
    if chart is not None:
        from advisor.reports.charts.portfolio import portfolio_chart

        portfolio_chart(
            analysis.chart_rows(owner),
            chart,
            lang,
            threshold=analysis.now.contribution.threshold,
            as_of=analysis.as_of,
            window_months=analysis.now.config.window_months,
        )
        summary["chart"] = str(chart)
    if as_json:
        echo_json(summary)
        return
    click.echo(_render_summary(summary, lang))


def _render_summary(summary: dict[str, Any], lang: str) -> str:
    out = [
        f"portfolio as of {summary['as_of']}: {summary['accounts']} accounts, revenue {money(summary['revenue'], lang)}"
    ]
    c = summary["contribution"]
    if c["threshold"] is not None:
        out.append(
            f"high contribution ({c['mode']}): {c['top_accounts']} of {c['ranked_accounts']} buying accounts, from {money(c['threshold'], lang)}"
        )
    out.append("")
    rows = [
        (
            s["segment"],
            s["accounts"],
            money(s["revenue"], lang) + (" (expected)" if s["expected"] else ""),
            percent(s["share"]) if s["share"] is not None else "",
            label(f"segment.{s['segment']}.short", lang),
        )
        for s in summary["segments"]
    ]
    out.append(
        _table(("segment", "accounts", "revenue", "share", "strategy"), rows, right={1, 2, 3})
    )
    out.append("")
    if summary["alarms"]:
        out.append("alarms this quarter:")
        out.extend(
            f"  {a['account_id']} {a['name']} ({a['owner']}): {a['from']} → {a['to']}"
            for a in summary["alarms"]
        )
    moves = ", ".join(f"{m['from']}→{m['to']} {m['accounts']}" for m in summary["movements"])
    out.append(f"movements since {summary['previous_as_of']}: {moves or 'none'}")
    risk = summary["at_risk"]
    by = ", ".join(f"{k} {v}" for k, v in risk["by_risk"].items())
    out.append(
        f"at risk: {risk['accounts']} accounts, {money(risk['revenue'], lang)} ({percent(risk['share'])} of revenue){': ' + by if by else ''}"
    )
    out.append("")
    out.append("time allocation per rep (hours per week):")
    for rep in summary["allocation"]:
        parts = ", ".join(
            f"{s['segment']} {s['hours']:g}h/{s['accounts']}" for s in rep["segments"]
        )
        out.append(f"  {rep['owner']} ({rep['accounts']} accounts): {parts}")
        if rep["focus"]:
            out.append(f"    first: {', '.join(rep['focus'])}")
    if summary.get("chart"):
        out.append(f"\nchart: {summary['chart']}")
    return "\n".join(out)


COMMANDS: list[click.Command] = [import_command, segment_command, portfolio_command]
