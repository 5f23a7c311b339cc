"""`advisor quiz` through stdin and stdout, its report, and `advisor users alerts`."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from advisor.cli import main
from advisor.users.store import UserStore


@pytest.fixture
def cli(advisor_home, knowledge_base, sample_directory, monkeypatch):
    """Run `advisor ARGS` with INPUT lines; the conversation's advisor is the test one."""
    from advisor.answering.service import Advisor

    @contextmanager
    def test_advisor(settings, **_kwargs):
        yield Advisor(knowledge_base, sample_directory)

    monkeypatch.setattr("advisor.wiring.open_advisor", test_advisor)

    def run(args: list[str], lines: list[str] = ()):
        return CliRunner().invoke(main, args, input="\n".join(lines) + "\n")

    return run


def test_a_trainee_drills_in_the_terminal_and_keeps_their_progress(cli, advisor_home) -> None:
    assert cli(["users", "add", "3001", "--role", "trainee"]).exit_code == 0
    first = cli(["quiz", "--as", "3001", "--count", "2"], ["1", "2", "1", "1"])
    assert first.exit_code == 0, first.output
    out = first.output
    assert out.startswith("🧠 Practice · Segments")
    assert "[1] 1  [2] 2  [3] 3  [4] 4" in out
    assert out.count("✅ Right") + out.count("❌ Not quite") == 2
    assert "Source: 002_858e68355b44b8da.txt" in out  # the segments' source, quoted
    assert "Your practice: 2 answers" in out
    again = cli(["quiz", "--as", "3001", "--count", "1", "--lang", "ko"], ["3"])
    assert "학습 현황: 답변 3개" in again.output  # after a "restart", in Korean
    report = json.loads(cli(["quiz", "--report", "--json"]).output)
    assert [(r["telegram_id"], r["role"], r["answers"]) for r in report] == [(3001, "trainee", 3)]
    assert report[0]["topics"][0]["topic"] == "segments"
    assert "3001 (trainee): 3 answers" in cli(["quiz", "--report"]).output


def test_the_quiz_answers_commands_and_leaves_on_quit(cli) -> None:
    result = cli(["quiz"], ["/progress", "/quit", "1"])
    assert result.exit_code == 0
    assert "No answers yet" in result.output and "Right" not in result.output


def test_users_alerts_switches_them_off_and_on(cli, advisor_home) -> None:
    cli(["users", "add", "1001", "--role", "rep", "--owner", "kim.minji"])
    assert cli(["users", "alerts", "1001", "off"]).output.strip() == "1001: alerts off"
    assert "1001  rep (kim.minji)  alerts=off" in cli(["users", "list"]).output
    with UserStore(f"sqlite:///{advisor_home / 'advisor.db'}") as store:
        assert store.alerts_enabled(1001) is False and store.alerts_enabled(42) is True
    cli(["users", "alerts", "1001", "on"])
    assert "alerts=off" not in cli(["users", "list"]).output
    missing = cli(["users", "alerts", "4242", "on"])
    assert missing.exit_code == 1 and "no user 4242" in missing.output
