"""`advisor chat`: the bot's conversation in the terminal (`advisor bot` is the bot package's)."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from advisor.chat.reply import Keyboard, Reply
from advisor.cli.common import settings
from advisor.settings import Settings
from advisor.users.roles import Role, UserError

if TYPE_CHECKING:
    from advisor.chat.core import Conversation

log = logging.getLogger(__name__)

LOCAL_ID = 0  # the terminal's own user, never a Telegram id
EXIT_WORDS = ("/quit", "/exit")


@click.command("chat")
@click.option(
    "--as",
    "as_id",
    metavar="TELEGRAM_ID",
    help="Chat as this registered user: their role, accounts and language.",
)
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    help="Chat as a local user with this role (default: manager).",
)
@click.option("--owner", help="With --role rep: whose accounts.")
@click.pass_context
def chat_cmd(ctx: click.Context, as_id: str | None, role: str | None, owner: str | None) -> None:
    """The bot's conversation in the terminal: a line in, the reply out (stdin need not be a TTY).

    Questions and commands as in Telegram (/help, /brief ID, /lang ko, …); type a
    button's number to press it; /quit or end of input to leave.
    """
    if as_id and (role or owner):
        raise click.UsageError("give --as, or --role (with --owner for a rep), not both")
    cfg = settings(ctx)
    log_to_file(cfg.home / "logs" / "chat.log")
    stdin = click.get_text_stream("stdin")
    with open_conversation(cfg, as_id, role, owner) as (conversation, user_id):
        if stdin.isatty():
            click.echo("Type a question or /help. /quit or Ctrl-D leaves.", err=True)
        _loop(conversation, user_id, stdin)


@contextmanager
def open_conversation(
    cfg: Settings, as_id: str | None, role: str | None, owner: str | None
) -> Iterator[tuple[Conversation, int]]:
    """The conversation for `--as ID` (a registered user) or a local user with `--role`."""
    from advisor.users.store import User, check_user_id
    from advisor.wiring import open_conversation as open_chat

    local = None
    if not as_id:
        local = User(LOCAL_ID, Role.parse(role or "manager"), (owner or "").strip() or None)
        if local.role is Role.REP and not local.owner:
            raise UserError("a rep needs --owner: the owner name of their accounts")
        if local.role is not Role.REP and local.owner:
            raise UserError("--owner is for --role rep only")
    user_id = check_user_id(as_id) if as_id else LOCAL_ID
    # One person at a keyboard: no rate limit in the terminal.
    with open_chat(
        cfg, local_user=None if local is None else (lambda _store: local), rate_capacity=math.inf
    ) as conversation:
        yield conversation, user_id


def pressed(line: str, buttons: Keyboard) -> str | None:
    """The data of the button a typed number presses, or None when it is not one."""
    flat = [b for row in buttons for b in row]
    if line.isdigit() and 1 <= int(line) <= len(flat):
        return flat[int(line) - 1].data
    return None


def _loop(conversation: Conversation, user_id: int, stdin: TextIO) -> None:
    buttons: Keyboard = ()
    for raw in stdin:
        line = raw.strip()
        if not line:
            continue
        if line.lower() in EXIT_WORDS:
            break
        try:
            data = pressed(line, buttons)
            if data is not None:
                reply = conversation.button(user_id, data)
            else:
                reply = conversation.handle_text(user_id, line)
        except Exception:  # the user gets an apology, the log the traceback
            log.exception("chat: failed to answer %r", line)
            reply = conversation.apology(user_id)
        # Numbers press the buttons of the latest message that has any, as in Telegram,
        # where a message's buttons stay pressable under later replies: a reply's own
        # buttons first (a quiz answer removes the options and brings "next"), else
        # the pressed message's buttons as edited.
        if reply.buttons:
            buttons = reply.buttons
        elif reply.keyboard is not None:
            buttons = reply.keyboard
        click.echo(render(reply))


def render(reply: Reply) -> str:
    """A reply as terminal text: notice, chart, paragraphs, numbered buttons."""
    out: list[str] = []
    if reply.notice:
        out.append(f"({reply.notice})")
    if reply.photo is not None:
        out.append(f"[chart: {reply.photo}]" + (f" {reply.caption}" if reply.caption else ""))
    out.extend(reply.parts)
    shown = reply.buttons or (reply.keyboard or ())
    flat = [b for row in shown for b in row]
    if flat:
        out.append("  ".join(f"[{n}] {b.label}" for n, b in enumerate(flat, start=1)))
    return "\n\n".join(out) + "\n"


def log_to_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


COMMANDS: list[click.Command] = [chat_cmd]
