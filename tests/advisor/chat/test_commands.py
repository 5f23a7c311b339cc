"""The command table drives the help, the menu, the bot's registered commands and access."""

from __future__ import annotations

import pytest
from telegram.ext import ApplicationBuilder, CommandHandler

from advisor.chat.commands import COMMANDS, NAMES, command_menu, find, parse_command
from advisor.chat.core import Conversation
from advisor.chat.text import CONVERSATION, LANGS, Lang, text
from advisor.users.store import Role
from tests.fakes.chat import MANAGER, REPS, TRAINEE, Spy

KIM = REPS["kim.minji"]
ASKERS = {Role.MANAGER: MANAGER, Role.REP: KIM, Role.TRAINEE: TRAINEE}

# The order users know today: the help of each role and the menu must keep it.
HELP_ORDER = {
    Role.MANAGER: (
        "ask",
        "brief",
        "segment",
        "atrisk",
        "portfolio",
        "tactics",
        "quiz",
        "progress",
        "trainees",
        "alerts",
        "lang",
        "reset",
        "help",
    ),
    Role.REP: (
        "ask",
        "brief",
        "segment",
        "atrisk",
        "tactics",
        "quiz",
        "progress",
        "alerts",
        "lang",
        "reset",
        "help",
    ),
    Role.TRAINEE: ("ask", "tactics", "quiz", "progress", "lang", "reset", "help"),
}


def _help_lines(reply_text: str) -> list[str]:
    return reply_text.split("\n\n", 1)[1].splitlines()[1:]  # after the intro and "Commands:"


def test_every_listed_command_has_help_in_english_korean_and_chinese() -> None:
    listed = [c for c in COMMANDS if c.help_key is not None]
    assert listed, "the table lists no command"
    for command in listed:
        assert command.help_key is not None
        node = CONVERSATION.node(command.help_key)
        for code in LANGS:
            assert str(node[code]).startswith(f"/{command.name}"), (command.name, code)


def test_the_table_has_each_command_once_and_every_refusal_has_words() -> None:
    assert len(set(NAMES)) == len(NAMES)
    for command in COMMANDS:
        assert find(command.name) is command
        for code in LANGS:
            assert text(command.refused, Lang(code))


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_the_help_it_always_saw(conversation, role: Role) -> None:
    shown = _help_lines(conversation.command(ASKERS[role], "help").text)
    assert shown == [text(f"help.{name}", Lang()) for name in HELP_ORDER[role]]


def test_the_menu_is_the_table_in_order_and_the_order_users_know() -> None:
    listed = [c.name for c in COMMANDS if c.help_key is not None]
    for code in LANGS:
        assert [name for name, _ in command_menu(code)] == listed
    assert tuple(listed) == HELP_ORDER[Role.MANAGER]
    assert dict(command_menu("en"))["brief"] == "one-screen brief of an account"


def test_a_trainee_sees_no_account_command_and_running_one_touches_nothing(
    advisor, users, clock, tmp_path
) -> None:
    spy = Spy(advisor)
    conversation = Conversation(spy, users, tmp_path, clock=clock)
    account_commands = [c for c in COMMANDS if c.needs_accounts]
    assert {c.name for c in account_commands} == {"brief", "segment", "atrisk", "portfolio"}
    shown = "\n".join(_help_lines(conversation.command(TRAINEE, "help").text))
    refusal = text("trainee_no_accounts", Lang())
    for command in account_commands:
        assert f"/{command.name}" not in shown
        assert conversation.command(TRAINEE, command.name, "A001").parts == (refusal,)
    assert spy.touched == []


@pytest.mark.parametrize(
    ("role", "name", "key"),
    [
        (Role.REP, "portfolio", "managers_only"),
        (Role.REP, "trainees", "trainees.managers_only"),
        (Role.TRAINEE, "trainees", "trainees.managers_only"),
        (Role.TRAINEE, "alerts", "alerts.trainee"),
        (Role.TRAINEE, "portfolio", "trainee_no_accounts"),
    ],
)
def test_a_command_outside_the_role_is_refused_in_its_own_words(
    conversation, role: Role, name: str, key: str
) -> None:
    command = find(name)
    assert command is not None and role not in command.roles
    assert conversation.command(ASKERS[role], name, "on").parts == (text(key, Lang()),)


def test_what_each_role_may_run_is_what_the_table_says() -> None:
    may_run = {role: {c.name for c in COMMANDS if role in c.roles} for role in Role}
    everyone = {"start", "help", "ask", "tactics", "quiz", "progress", "lang", "reset"}
    assert may_run[Role.MANAGER] == set(NAMES)
    assert may_run[Role.REP] == set(NAMES) - {"portfolio", "trainees"}
    assert may_run[Role.TRAINEE] == everyone


def test_the_bot_registers_every_command_of_the_table() -> None:
    from bot.app import register_handlers

    application = ApplicationBuilder().token("123:abc").updater(None).build()
    register_handlers(application)
    registered: set[str] = set()
    for handlers in application.handlers.values():
        for handler in handlers:
            if isinstance(handler, CommandHandler):
                registered |= set(handler.commands)
    assert registered == set(NAMES)
    assert "start" in registered  # registered, though in neither the help nor the menu


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("/help", ("help", "")),
        ("  /Lang ko  ", ("Lang", "ko")),
        ("/brief@advisor_test_bot A003", ("brief", "A003")),
        ("/ask first line\nsecond line", ("ask", "first line\nsecond line")),
        ("What should I do about A001?", None),
        ("/", None),
        ("/help.", ("help.", "")),
    ],
)
def test_one_parser_reads_a_command_line(line: str, parsed: tuple[str, str] | None) -> None:
    assert parse_command(line) == parsed


def test_a_mistyped_command_is_named_back_not_asked_as_a_question(conversation) -> None:
    reply = conversation.handle_text(MANAGER, "/help.")
    assert reply.text == text("unknown_command", Lang("en"), command="help.")


def test_the_bot_and_the_terminal_read_a_command_alike(conversation) -> None:
    typed = conversation.handle_text(MANAGER, "/BRIEF@advisor_test_bot  A003")
    assert typed.parts == conversation.command(MANAGER, "brief", "A003").parts
