"""`advisor quiz`, `advisor digest`, `advisor gaps`: learning the method, the managers'
weekly picture, and what the guidance is missing."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TextIO

import click

from advisor.chat.reply import Keyboard, Reply
from advisor.cli.chat_cmds import EXIT_WORDS, log_to_file, open_conversation, pressed, render
from advisor.cli.common import echo_json, settings, user_store
from advisor.errors import AdvisorError
from advisor.i18n.languages import LANGUAGES
from advisor.settings import Settings
from advisor.users.roles import Role

if TYPE_CHECKING:
    from advisor.chat.core import Conversation


@click.command("quiz")
@click.option(
    "--as",
    "as_id",
    metavar="TELEGRAM_ID",
    help="Practise as this registered user: their progress and language.",
)
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    help="Practise as a local user with this role (default: trainee).",
)
@click.option("--owner", help="With --role rep: whose accounts.")
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many answers.")
@click.option("--lang", type=click.Choice(LANGUAGES), help="Language of the drills.")
@click.option("--report", is_flag=True, help="Each trainee's progress (for managers), then exit.")
@click.option("--json", "as_json", is_flag=True, help="With --report: one JSON document.")
@click.pass_context
def quiz_cmd(
    ctx: click.Context,
    as_id: str | None,
    role: str | None,
    owner: str | None,
    count: int | None,
    lang: str | None,
    report: bool,
    as_json: bool,
) -> None:
    """Trainee drills in the terminal: type an answer's number; each answer is explained
    with its card and source passage. Progress is kept (spaced repetition per card)."""
    if as_id and (role or owner):
        raise click.UsageError("give --as, or --role (with --owner for a rep), not both")
    cfg = settings(ctx)
    if report:
        _report(cfg, as_json)
        return
    log_to_file(cfg.home / "logs" / "chat.log")
    stdin = click.get_text_stream("stdin")
    with open_conversation(cfg, as_id, role or ("trainee" if not as_id else None), owner) as (
        conversation,
        user_id,
    ):
        if lang:
            conversation.command(user_id, "lang", lang)
        if stdin.isatty():
            click.echo(
                "Type the number of your answer. /progress shows your progress; "
                "/quit or Ctrl-D leaves.",
                err=True,
            )
        _drill(conversation, user_id, stdin, count)


def _drill(conversation: Conversation, user_id: int, stdin: TextIO, count: int | None) -> None:
    """Ask, read an answer, explain, ask the next: until `count` answers or end of input."""
    reply = conversation.command(user_id, "quiz")
    click.echo(render(reply))
    buttons: Keyboard = reply.buttons
    answered = 0
    for raw in stdin:
        line = raw.strip()
        if not line:
            continue
        if line.lower() in EXIT_WORDS:
            break
        data = pressed(line, buttons)
        if data is not None:
            reply = conversation.button(user_id, data)
        else:
            reply = conversation.handle_text(user_id, line)
        if data and data.startswith("qa:") and reply.parts:
            answered += 1
        buttons = reply.buttons or buttons
        if count is not None and answered >= count:
            click.echo(render(Reply(reply.parts, notice=reply.notice)))
            click.echo(render(conversation.command(user_id, "progress")))
            return
        if data and data.startswith("qa:") and not _asks(reply):
            # In the terminal the next question follows at once (no "next" button to press).
            click.echo(render(Reply(reply.parts, notice=reply.notice)))
            reply = conversation.command(user_id, "quiz")
            buttons = reply.buttons
        click.echo(render(reply))


def _asks(reply: Reply) -> bool:
    """Whether a reply poses a question (answer buttons under it)."""
    return any(b.data.startswith("qa:") for row in reply.buttons for b in row)


def _report(cfg: Settings, as_json: bool) -> None:
    from advisor.quiz.bank import CardDeck
    from advisor.wiring import quiz_service

    with user_store(cfg) as users:
        # Progress needs the cards and their topics only: no index to open.
        quiz = quiz_service(users.engine, CardDeck())
        summaries = quiz.summaries(users.all_users())
    if as_json:
        echo_json(
            [
                {
                    "telegram_id": s.user.user_id,
                    "role": s.user.role.value,
                    "owner": s.user.owner,
                    "answers": s.progress.answers,
                    "correct": s.progress.correct,
                    "accuracy": round(s.progress.accuracy, 4)
                    if s.progress.accuracy is not None
                    else None,
                    "cards_seen": s.progress.seen,
                    "mastered": s.progress.mastered,
                    "due": s.progress.due,
                    "weakest_topic": s.progress.weakest.topic if s.progress.weakest else None,
                    "last_practised": s.last_at.isoformat() if s.last_at else None,
                    "topics": [
                        {
                            "topic": t.topic,
                            "cards": t.cards,
                            "seen": t.seen,
                            "answers": t.answers,
                            "correct": t.correct,
                            "due": t.due,
                            "mastered": t.mastered,
                        }
                        for t in s.progress.topics
                    ],
                }
                for s in summaries
            ]
        )
        return
    from advisor.chat.quiz import trainees_parts
    from advisor.chat.text import Lang

    click.echo("\n\n".join(trainees_parts(summaries, Lang("en"))))


@click.command("digest")
@click.option("--owner", metavar="REP", help="Only this rep's accounts.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def digest_cmd(ctx: click.Context, owner: str | None, lang: str, as_json: bool) -> None:
    """The managers' weekly digest now: segment movements, revenue at risk, and each rep's
    time (visits) against the sources' guidance."""
    from advisor.reports.digest import digest_text
    from advisor.wiring import digest_service, open_stores, portfolio_directory

    cfg = settings(ctx)
    with open_stores(cfg) as stores:
        accounts = stores.accounts
        if not accounts.counts().get("accounts", 0):
            raise AdvisorError(
                "no account data yet: advisor import --accounts F --transactions F --events F"
            )
        if owner is not None and owner not in set(accounts.list_owners()):
            raise AdvisorError(f"no account has owner '{owner}'")
        directory = portfolio_directory(cfg, accounts)
        data = digest_service(cfg, stores, directory).digest(directory, owner)
    if as_json:
        echo_json(data)
    else:
        click.echo(digest_text(data, lang))


@click.command("gaps")
@click.option("--since", metavar="DATE", help="Only gaps from this day on (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def gaps_cmd(ctx: click.Context, since: str | None, as_json: bool) -> None:
    """What the guidance is missing: questions answered "I don't know", answers marked 👎,
    and searches that found no card, grouped (near-duplicates together), most asked first."""
    from advisor.reports.gaps import gap_entries, gap_lines, gap_report
    from advisor.wiring import gap_log

    day = None
    if since:
        try:
            day = dt.date.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(
                f"'{since}' is not a date (YYYY-MM-DD)", param_hint="--since"
            ) from None
    cfg = settings(ctx)
    with user_store(cfg) as users:
        feedback = users.all_feedback()
    groups = gap_report(gap_entries(gap_log(cfg).entries(), feedback, day))
    if as_json:
        echo_json([g.as_json() for g in groups])
    else:
        click.echo("\n".join(gap_lines(groups)))


COMMANDS: list[click.Command] = [quiz_cmd, digest_cmd, gaps_cmd]
