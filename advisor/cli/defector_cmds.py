"""`advisor defectors`: the sources' defector study on your own data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from advisor.cli.common import account_store, echo_json, settings
from advisor.errors import AdvisorError
from advisor.i18n.languages import LANGUAGES


class BadDateError(AdvisorError):
    """A --since value is not a date."""


@click.command("defectors")
@click.option("--since", help="Only defections from this date (YYYY-MM-DD).")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Draw defection by segment and cause to this PNG.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def defectors_cmd(
    ctx: click.Context, since: str | None, lang: str, chart: Path | None, as_json: bool
) -> None:
    """Full and partial defectors, defection rate by segment, causes, and whom to interview."""
    try:
        since_date = dt.date.fromisoformat(since) if since else None
    except ValueError:
        raise BadDateError(f"--since '{since}' is not a date (YYYY-MM-DD)") from None
    # The analysis (SQLAlchemy, polars) is loaded when the command runs, not by `--help`.
    from advisor.accounts.portfolio import analyse_store
    from advisor.reports.defector_text import STUDY_CARD, report_text
    from advisor.reports.defectors import defector_report
    from knowledge.cards import load_cards

    cfg = settings(ctx)
    with account_store(cfg) as store:
        analysis = analyse_store(store, config=cfg.segments)
        report = defector_report(analysis, store.events(), since_date)
    study = next(c for c in load_cards() if c.id == STUDY_CARD)
    if chart is not None:
        from advisor.reports.charts.defectors import defector_chart

        defector_chart(report, chart, lang)
    if as_json:
        data = report.as_json()
        data["study"] = {
            "steps": list(study.actions[lang]),
            "interview": [d.account_id for d in report.to_interview()],
        }
        echo_json(data)
        return
    click.echo(report_text(report, list(study.actions[lang]), lang))
    if chart is not None:
        click.echo(f"\n{chart}")


COMMANDS: list[click.Command] = [defectors_cmd]
