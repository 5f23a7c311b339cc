"""Fixtures of the bot suite: the loopback fake of the Telegram Bot API, the environment
`advisor bot` reads, and the real bot running against the fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from advisor.chat.core import Conversation
from tests.fakes.bot_thread import RunningBot
from tests.fakes.telegram_api import FakeTelegram, FakeTelegramServer


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    server = FakeTelegramServer(fake)
    server.start()
    yield fake
    server.stop()


@pytest.fixture
def bot_env(telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> FakeTelegram:
    """The environment `advisor bot` reads, pointing at the fake."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", telegram.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", telegram.url)
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    return telegram


@pytest.fixture
def start_bot(bot_env: FakeTelegram):
    """start_bot(conversation) → a RunningBot against the fake; stopped after the test."""
    running: list[RunningBot] = []

    def start(conversation: Conversation, config=None) -> RunningBot:
        bot = RunningBot(conversation, config).start(bot_env)
        running.append(bot)
        return bot

    yield start
    for bot in running:
        if bot.thread.is_alive():
            bot.stop()
