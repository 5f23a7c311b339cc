"""`advisor chat` through its stdin and stdout, and `advisor users add|list|remove`."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from advisor.cli import main
from advisor.users.store import UserStore

PRICE_CUT = "A key account demands a 30% price cut. What should I do?"


@pytest.fixture
def chat(advisor_home, advisor, monkeypatch):
    """Run `advisor chat ARGS` with INPUT on stdin; the advisor is the test one."""

    @contextmanager
    def test_advisor(settings, **_kwargs):
        yield advisor

    monkeypatch.setattr("advisor.wiring.open_advisor", test_advisor)

    def run(args: list[str], lines: list[str]):
        return CliRunner().invoke(main, ["chat", *args], input="\n".join(lines) + "\n")

    return run


def _users(*args: str):
    return CliRunner().invoke(main, ["users", *args])


def test_chat_defaults_to_a_local_manager(chat) -> None:
    result = chat([], ["/start", "/brief A003", "/quit", "never read"])
    assert result.exit_code == 0, result.output
    assert "signed in as: manager" in result.output
    assert "# Account brief: 华东贸易有限公司 (A003)" in result.output
    assert "never read" not in result.output and "Traceback" not in result.output


def test_chat_as_a_rep_sees_only_their_accounts(chat) -> None:
    result = chat(["--role", "rep", "--owner", "kim.minji"], ["/brief A003", "/brief A001"])
    assert result.exit_code == 0, result.output
    assert "No account 'A003' found." in result.output
    assert "# Account brief: ABC Trading (A001)" in result.output


def test_chat_as_a_trainee_has_no_account_data(chat) -> None:
    result = chat(["--role", "trainee"], ["/brief A001", "/quiz"])
    assert "isn't available to trainees" in result.output
    assert "Tap the number of your answer." in result.output  # the quiz is open to trainees


def test_chat_as_a_telegram_user_takes_their_role_or_refuses(chat) -> None:
    assert "Telegram id is 4242" in chat(["--as", "4242"], ["/start"]).output
    assert _users("add", "4242", "--role", "rep", "--owner", "wang.lei").exit_code == 0
    result = chat(["--as", "4242"], ["/start", "/brief A003", "/brief A001"])
    assert "sales rep for wang.lei's accounts" in result.output
    assert (
        "华东贸易有限公司 (A003)" in result.output and "No account 'A001' found." in result.output
    )


def test_chat_buttons_are_numbered_and_feedback_is_stored(chat, advisor_home) -> None:
    result = chat([], [PRICE_CUT, "1", "3"])
    assert "[1] 📚 Sources  [2] 🤝 Tactics  [3] 👍  [4] 👎" in result.output
    assert "Sources behind this answer" in result.output
    assert "(Thanks for the feedback!)" in result.output
    with UserStore(f"sqlite:///{advisor_home / 'advisor.db'}") as store:
        assert [(f.question, f.vote) for f in store.all_feedback()] == [(PRICE_CUT, 1)]


def test_chat_has_no_rate_limit_and_keeps_the_language(chat) -> None:
    result = chat([], ["/lang zh"] + ["/help"] * 15)
    assert result.output.count("命令：") == 15


def test_chat_apologises_and_logs_on_failure(chat, advisor, advisor_home, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(advisor, "ask", broken)
    result = chat([], [PRICE_CUT, "/help"])
    assert result.exit_code == 0
    assert "Sorry, something went wrong" in result.output and "Commands:" in result.output
    assert "internal detail" not in result.output
    log = (advisor_home / "logs" / "chat.log").read_text("utf-8")
    assert "Traceback" in log and "internal detail" in log


def test_chat_rejects_contradictory_options(chat) -> None:
    assert chat(["--as", "1", "--role", "rep"], []).exit_code == 2
    rep = chat(["--role", "rep"], [])
    assert rep.exit_code == 1 and "a rep needs --owner" in rep.output


def test_users_add_list_remove(advisor_home) -> None:
    assert _users("add", "1001", "--role", "rep", "--owner", "kim.minji").output.startswith(
        "1001: rep (kim.minji)"
    )
    assert _users("add", "2001", "--role", "manager").exit_code == 0
    assert _users("add", "2001", "--role", "trainee").output.strip() == "2001: trainee"
    listed = json.loads(_users("list", "--json").output)
    assert listed == [
        {"telegram_id": 1001, "role": "rep", "owner": "kim.minji", "lang": None},
        {"telegram_id": 2001, "role": "trainee", "owner": None, "lang": None},
    ]
    assert "1001  rep (kim.minji)" in _users("list").output
    assert _users("remove", "2001").output.strip() == "2001: removed"
    gone = _users("remove", "2001")
    assert gone.exit_code == 1 and "no user 2001" in gone.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["add", "abc", "--role", "rep", "--owner", "x"], "'abc' is not a Telegram id"),
        (["add", "0", "--role", "manager"], "'0' is not a Telegram id"),
        (["add", "5", "--role", "rep"], "a rep needs --owner"),
        (["add", "5", "--role", "manager", "--owner", "x"], "--owner is for reps only"),
    ],
)
def test_users_add_rejects_bad_input_in_one_line(advisor_home, args, message) -> None:
    result = _users(*args)
    assert result.exit_code == 1 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_users_add_notes_an_owner_without_accounts(advisor_home) -> None:
    result = _users("add", "7", "--role", "rep", "--owner", "nobody")
    assert result.exit_code == 0 and "no account has owner 'nobody' yet" in result.output
