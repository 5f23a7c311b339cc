"""The chat's commands as one table: who may run each, its help line, its handler.

Everything else about commands is read from `COMMANDS`: the help each role
sees, the command menu a chat client shows, the names the bot registers, and
whether an asker may run a command (`refusal`). The table is in the order users
see: help lists and the menu keep it.

A role's rules, in full: managers run everything; reps run everything but
/portfolio and /trainees, on the accounts they own; trainees get the guidance,
the tactics and the quiz, and no account data. (Which accounts a rep sees is
their scope: `advisor.chat.access.scope_for`.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from advisor.chat import account_cmds, asking, quiz_cmds, settings_cmds
from advisor.chat.access import Asker
from advisor.chat.reply import Reply
from advisor.chat.services import ChatServices, Handler
from advisor.chat.text import Lang, text
from advisor.chat.views import role_line
from advisor.users.store import Role

EVERYONE = frozenset(Role)
STAFF = frozenset({Role.MANAGER, Role.REP})
MANAGERS = frozenset({Role.MANAGER})

# `/name`, optionally addressed `/name@bot` (as a group chat client sends it), then arguments.
# Any name up to a space or @bot: "/help." is an unknown command (and gets the list),
# not a question to the advisor.
_COMMAND = re.compile(r"^/([^\s@]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True)
class Command:
    name: str
    roles: frozenset[Role]  # who may run it
    help_key: str | None  # its line in conversation.yaml; None: in neither the help nor the menu
    needs_accounts: bool  # shows account data: refused to an asker whose scope has none
    handler: Handler
    # What a role outside `roles` is told. Account commands refuse trainees through
    # `needs_accounts` first, so their default is that same refusal.
    refused: str = "trainee_no_accounts"


def parse_command(message: str) -> tuple[str, str] | None:
    """(name, arguments) of a `/name[@bot] arguments` line, arguments as written; None if
    the line is not a command."""
    found = _COMMAND.match(message.strip())
    if found is None:
        return None
    return found.group(1), found.group(2) or ""


def refusal(command: Command, a: Asker) -> str | None:
    """The message key refusing the command to the asker, or None when they may run it."""
    # Account data first: a rep stored without an owner has no scope, whatever the role allows.
    if command.needs_accounts and not a.scope.accounts_allowed:
        return "trainee_no_accounts"
    if a.user.role not in command.roles:
        return command.refused
    return None


def help_parts(role: Role, lang: Lang) -> tuple[str, ...]:
    """The help a role sees: the commands it may run, in table order."""
    lines = [text("help.commands", lang)]
    lines += [text(c.help_key, lang) for c in COMMANDS if c.help_key and role in c.roles]
    return (text("help.intro", lang), "\n".join(lines))


def command_menu(code: str) -> list[tuple[str, str]]:
    """(command, short description) for a chat client's command menu, in one language."""
    out = []
    for command in COMMANDS:
        if command.help_key is None:
            continue
        line = text(command.help_key, Lang(code))
        # The help line is "/name ARGS — what it does": the menu shows what it does.
        out.append((command.name, line.split(" — ", 1)[1] if " — " in line else line))
    return out


def find(name: str) -> Command | None:
    return _BY_NAME.get(name)


def _start(_s: ChatServices, a: Asker, _args: str) -> Reply:
    hello = text("start", a.lang, role=role_line(a.user.role, a.user.owner, a.lang))
    return Reply((hello, *help_parts(a.user.role, a.lang)))


def _help(_s: ChatServices, a: Asker, _args: str) -> Reply:
    return Reply(help_parts(a.user.role, a.lang))


COMMANDS: tuple[Command, ...] = (
    Command("start", EVERYONE, None, False, _start),
    Command("ask", EVERYONE, "help.ask", False, asking.ask),
    Command("brief", STAFF, "help.brief", True, account_cmds.brief),
    Command("segment", STAFF, "help.segment", True, account_cmds.segment),
    Command("atrisk", STAFF, "help.atrisk", True, account_cmds.at_risk),
    Command("portfolio", MANAGERS, "help.portfolio", True, account_cmds.portfolio, "managers_only"),
    Command("tactics", EVERYONE, "help.tactics", False, asking.tactics),
    Command("quiz", EVERYONE, "help.quiz", False, quiz_cmds.quiz),
    Command("progress", EVERYONE, "help.progress", False, quiz_cmds.progress),
    Command(
        "trainees", MANAGERS, "help.trainees", False, quiz_cmds.trainees, "trainees.managers_only"
    ),
    Command("alerts", STAFF, "help.alerts", False, settings_cmds.alerts, "alerts.trainee"),
    Command("lang", EVERYONE, "help.lang", False, settings_cmds.lang),
    Command("reset", EVERYONE, "help.reset", False, settings_cmds.reset),
    Command("help", EVERYONE, "help.help", False, _help),
)
NAMES: tuple[str, ...] = tuple(c.name for c in COMMANDS)  # what the bot registers
_BY_NAME = {c.name: c for c in COMMANDS}
