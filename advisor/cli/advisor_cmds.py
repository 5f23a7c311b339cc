"""`advisor ask`, `brief`, `demo`."""

from __future__ import annotations

from pathlib import Path

import click

from advisor.cli.common import account_store, echo_json, settings
from advisor.cli.knowledge_cmds import eval_group
from advisor.errors import AdvisorError
from advisor.i18n.languages import LANGUAGES

# The advisor itself (the index, the models, the store) is imported by each
# command when it runs, so that `--help` starts at once.

LANG = click.Choice([*LANGUAGES, "zh-Hant"])


class NoAccountsError(AdvisorError):
    """The accounts store is empty."""


@click.command("ask")
@click.argument("question")
@click.option("--account", "account_id", help="The account the question is about (its id).")
@click.option("--lang", type=LANG, help="Answer in this language (default: the question's).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def ask_cmd(
    ctx: click.Context, question: str, account_id: str | None, lang: str | None, as_json: bool
) -> None:
    """Next actions, tactics and sources for QUESTION, in the asker's language."""
    from advisor.wiring import open_advisor

    with open_advisor(settings(ctx)) as advisor:
        answer = advisor.ask(question, account_id=account_id, lang=lang)
    if as_json:
        echo_json(answer.as_json())
    else:
        click.echo(answer.text)


@click.command("brief")
@click.argument("account_id", required=False)
@click.option("--lang", type=LANG, default="en", show_default=True)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the account's monthly revenue to this PNG.",
)
@click.option("--at-risk", is_flag=True, help="Brief every at-risk account instead of one.")
@click.option("--owner", help="With --at-risk: only this rep's accounts.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def brief_cmd(
    ctx: click.Context,
    account_id: str | None,
    lang: str,
    chart: Path | None,
    at_risk: bool,
    owner: str | None,
    as_json: bool,
) -> None:
    """A one-screen brief of ACCOUNT_ID for a manager (or of every at-risk account)."""
    if not at_risk and not account_id:
        raise click.UsageError("give an ACCOUNT_ID, or --at-risk")
    from advisor.answering.understanding import answer_language
    from advisor.i18n.catalogue import ADVISOR
    from advisor.reports.brief import build_brief
    from advisor.wiring import open_advisor

    language, traditional = answer_language("", lang)
    with open_advisor(settings(ctx)) as advisor:
        directory = advisor.accounts
        if directory is None or not advisor.has_accounts:
            raise NoAccountsError("no accounts yet: run `advisor import` (or `advisor demo`)")
        if at_risk:
            ids = directory.at_risk_ids(owner)
            briefs = [
                build_brief(i, directory, advisor.knowledge, lang=language, traditional=traditional)
                for i in ids
            ]
            if as_json:
                echo_json(
                    {
                        "owner": owner,
                        "as_of": directory.analysis.as_of.isoformat(),
                        "briefs": [b.as_json() for b in briefs],
                    }
                )
                return
            revenue = sum(b.account.metrics.revenue or 0 for b in briefs)
            from advisor.accounts.reasons import money

            owner_part = ADVISOR.say("brief.at_risk_owner", language, owner=owner) if owner else ""
            click.echo(
                "# "
                + ADVISOR.say(
                    "brief.at_risk_title",
                    language,
                    owner_part=owner_part,
                    as_of=directory.analysis.as_of.isoformat(),
                    count=len(briefs),
                    revenue=money(revenue, language),
                )
            )
            for b in briefs:
                # One level down, under the list's title.
                demoted = "\n".join(
                    "#" + ln if ln.startswith("#") else ln for ln in b.markdown.split("\n")
                )
                click.echo("\n" + demoted)
            return
        assert account_id is not None
        advisor.resolve(account_id)
        brief = build_brief(
            account_id,
            directory,
            advisor.knowledge,
            lang=language,
            traditional=traditional,
            chart=chart,
        )
    if as_json:
        echo_json(brief.as_json())
    else:
        click.echo(brief.markdown)


@click.command("demo")
@click.pass_context
def demo_cmd(ctx: click.Context) -> None:
    """Load the sample portfolio and the knowledge, then print a brief and an answer."""
    from advisor.accounts.importer import import_files
    from advisor.accounts.sample import sample_dir
    from advisor.cli.progress import progress_bars
    from advisor.reports.brief import build_brief
    from advisor.wiring import open_advisor, run_ingest

    cfg = settings(ctx)
    click.echo(f"Using ADVISOR_HOME={cfg.home}")
    report = run_ingest(cfg, progress=progress_bars())
    click.echo(
        f"Knowledge: {report.documents} documents, {report.passages} passages, "
        f"{report.cards} cards ({report.added} newly embedded)"
    )
    sample = sample_dir()
    with account_store(cfg) as store:
        import_files(
            store,
            accounts=sample / "accounts.csv",
            transactions=sample / "transactions.csv",
            events=sample / "events.csv",
        )
        counts = store.counts()
    click.echo(
        f"Sample portfolio: {counts['accounts']} accounts, "
        f"{counts['transactions']} transactions, {counts['events']} events\n"
    )
    chart = cfg.home / "demo" / "A001-revenue.png"
    with open_advisor(cfg) as advisor:
        assert advisor.accounts is not None
        brief = build_brief("A001", advisor.accounts, advisor.knowledge, chart=chart)
        click.echo(brief.markdown)
        question = "ABC Trading cut its orders by half and a competitor is offering rebates — what do I do?"
        click.echo(f"\n---\n\n> {question}\n")
        click.echo(advisor.ask(question).text)
        question_ko = "대형 고객이 30% 가격 인하를 요구합니다. 어떤 협상 전술을 써야 하나요?"
        click.echo(f"\n---\n\n> {question_ko}\n")
        click.echo(advisor.ask(question_ko).text)


@eval_group.command("answers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def eval_answers_cmd(ctx: click.Context, file: Path, as_json: bool) -> None:
    """Whole answers scored on a question set (shared/eval/ANSWERS.md): language, grounding,
    in-scope questions answered, out-of-scope questions refused."""
    from advisor.answering.evaluation import evaluate_answers, load_answer_set
    from advisor.wiring import open_advisor

    questions = load_answer_set(file)
    # The set's questions name no account: they are answered from the guidance alone,
    # and they are not knowledge gaps of this installation.
    with open_advisor(settings(ctx), accounts=False) as advisor:
        advisor.gaps = None
        result = evaluate_answers(questions, lambda q: advisor.ask(q))
    if as_json:
        echo_json(result.as_json())
        return
    data = result.as_json()
    click.echo(f"{data['n']} questions")
    click.echo(f"{'':<10}{'language':>10}{'grounded':>10}{'answered':>10}{'refused':>10}")
    rows = [*data["by_language"].items(), ("overall", data["overall"])]
    for name, row in rows:
        cells = "".join(
            f"{'—' if row[k] is None else format(row[k], '.3f'):>10}"
            for k in ("language", "grounded", "answered", "refused")
        )
        click.echo(f"{name:<10}{cells}")
    for miss in data["misses"]:
        click.echo(f"miss {miss['id']} ({miss['lang']}): {'; '.join(miss['problems'])}")


COMMANDS: list[click.Command] = [ask_cmd, brief_cmd, demo_cmd]
