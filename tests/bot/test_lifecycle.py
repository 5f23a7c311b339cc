"""Starting, stopping and restarting the bot; `advisor bot` failing clearly; the webhook."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from advisor.chat.core import Conversation
from advisor.cli import main
from advisor.users.store import UserStore
from tests.fakes.bot_thread import RunningBot
from tests.fakes.chat import MANAGER, REPS

ROOT = Path(__file__).resolve().parents[2]
KIM = REPS["kim.minji"]


def test_a_restart_loses_no_users_and_no_preferences(
    advisor, users, db_url, clock, tmp_path, start_bot, telegram
) -> None:
    first = start_bot(Conversation(advisor, users, tmp_path, clock=clock))
    telegram.send_text(MANAGER, "/lang ko")
    assert telegram.wait_sent(MANAGER, 1) == ["이제부터 한국어로 답변하겠습니다."]
    first.stop()

    with UserStore(db_url) as reopened:
        start_bot(Conversation(advisor, reopened, tmp_path, clock=clock))
        telegram.send_text(MANAGER, "/help")
        telegram.send_text(KIM, "/brief A001")
        texts = telegram.wait_sent(MANAGER, 2)
        telegram.wait_sent(KIM, 1)
    assert "명령어:" in texts[1]
    assert len(telegram.sent(MANAGER)) == 2  # the confirmed /lang update was not replayed
    assert telegram.texts(KIM)[0].startswith("Account brief: ABC Trading (A001)")
    menus = {c.params.get("language_code") for c in telegram.calls_of("setMyCommands")}
    assert menus == {None, "ko", "zh"}


def _advisor(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "advisor.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(extra)
    return env


def test_advisor_bot_without_a_token_says_so_in_one_line(tmp_path) -> None:
    done = _advisor(["bot"], _env(ADVISOR_HOME=str(tmp_path)))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and export its token"
    ]


def test_advisor_bot_with_an_unreachable_api_says_so_in_one_line(tmp_path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = _env(
        ADVISOR_HOME=str(tmp_path),
        TELEGRAM_BOT_TOKEN="1:x",
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}",
    )
    done = _advisor(["bot"], env)
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: cannot reach the Telegram Bot API at http://127.0.0.1:{port}")


def test_advisor_bot_with_a_rejected_token_says_so_in_one_line(
    advisor_home, telegram, monkeypatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:wrong")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", telegram.url)
    result = CliRunner().invoke(main, ["bot"])
    assert result.exit_code == 1
    assert "rejected TELEGRAM_BOT_TOKEN" in result.output
    assert [c.status for c in telegram.calls] == [401]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_bot_cleanly(
    stop, bundled_index, users, db_url, telegram, tmp_path
) -> None:
    env = _env(
        TELEGRAM_BOT_TOKEN=telegram.token,
        TELEGRAM_API_BASE_URL=telegram.url,
        ADVISOR_TEST_INDEX=str(bundled_index.index_dir),
        ADVISOR_TEST_DB=db_url,
        ADVISOR_TEST_CHARTS=str(tmp_path / "charts"),
        ADVISOR_HOME=str(tmp_path),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.bot_process"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        telegram.send_text(MANAGER, "/help")
        telegram.wait_sent(MANAGER, 1, timeout=60)
        process.send_signal(stop)
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "services closed" in err and "bot stopped" in err
    assert "Traceback" not in err
    assert telegram.pending == 0  # the handled update was confirmed before leaving


def test_webhook_mode_checks_the_secret(conversation, bot_env, tmp_path) -> None:
    pytest.importorskip("tornado")
    from bot.app import BotConfig

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/telegram-hook"
    config = replace(
        BotConfig.from_env(webhook_url=url, webhook_port=port, webhook_secret="s3cret-Token_1"),
        webhook_listen="127.0.0.1",
    )
    bot = RunningBot(conversation, config).start(bot_env)
    try:
        assert bot_env.webhook == {**bot_env.webhook, "url": url, "secret_token": "s3cret-Token_1"}
        update = bot_env.message_update(MANAGER, "/help")
        forged = httpx.post(url, json=update, timeout=10)
        assert forged.status_code == 403
        genuine = httpx.post(
            url,
            json=update,
            timeout=10,
            headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"},
        )
        assert genuine.status_code == 200
        [help_text] = bot_env.wait_sent(MANAGER, 1)
        assert "Commands:" in help_text
    finally:
        bot.stop()


def test_a_webhook_without_a_secret_gets_a_random_one(bot_env) -> None:
    from bot.app import BotConfig

    first = BotConfig.from_env(webhook_url="https://example.org/hook")
    second = BotConfig.from_env(webhook_url="https://example.org/hook")
    assert first.webhook_secret and first.webhook_secret != second.webhook_secret
    assert BotConfig.from_env().webhook_secret is None  # polling needs none
