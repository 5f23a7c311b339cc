"""Fixtures of the bot suite: the advisor over the session fixtures, a user store, a clock,
and the loopback fake of the Telegram Bot API with the real bot running against it."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest

from advisor.answering.service import Advisor
from advisor.chat.core import Conversation
from advisor.reports.gaps import GapLog
from advisor.users.store import UserStore
from tests.bot.fake_telegram import FakeTelegram, FakeTelegramServer

REPS = {
    "kim.minji": 1001,
    "lee.junho": 1002,
    "wang.lei": 1003,
    "chen.jing": 1004,
    "smith.anna": 1005,
}
MANAGER, TRAINEE, STRANGER = 2001, 3001, 9999


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gap_log(tmp_path: Path) -> GapLog:
    return GapLog(tmp_path / "logs" / "knowledge_gaps.jsonl")


@pytest.fixture
def advisor(knowledge_base, sample_directory, gap_log) -> Advisor:
    return Advisor(knowledge_base, sample_directory, None, gap_log)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'advisor.db'}"


@pytest.fixture
def users(db_url: str) -> Iterator[UserStore]:
    store = UserStore(db_url)
    for owner, user_id in REPS.items():
        store.add(user_id, "rep", owner)
    store.add(MANAGER, "manager")
    store.add(TRAINEE, "trainee")
    yield store
    store.close()


@pytest.fixture
def conversation(advisor, users, clock, tmp_path: Path) -> Conversation:
    return Conversation(advisor, users, tmp_path / "charts", clock=clock)


class RunningBot:
    """The real bot (`bot.app`) polling the fake in a thread of its own until stopped."""

    def __init__(self, conversation: Conversation, config=None) -> None:
        from bot.app import BotConfig, build_application

        self.config = config or BotConfig.from_env()
        self.application = build_application(self.config, lambda: nullcontext(conversation))
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from bot.app import run_application

        asyncio.set_event_loop(asyncio.new_event_loop())
        try:
            run_application(self.application, self.config, handle_signals=False)
        except BaseException as exc:  # surfaced by stop()
            self.error = exc

    def start(self, fake: FakeTelegram, timeout: float = 30.0) -> RunningBot:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.application.running:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start: {self.error!r}")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        loop = None
        while self.thread.is_alive() and time.monotonic() < deadline:
            loop = loop or _loop_of(self.application)
            if loop is not None and not loop.is_closed():
                # Asked again until it takes: a stop landing between two
                # start-up steps of `run_polling` is absorbed by the loop.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self.application.stop_running)
            self.thread.join(timeout=0.5)
        assert not self.thread.is_alive(), "the bot did not stop"
        if self.error is not None:
            raise self.error


def _loop_of(application) -> asyncio.AbstractEventLoop | None:
    task = getattr(application, "_Application__update_fetcher_task", None)
    return task.get_loop() if task is not None else None


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


class Spy:
    """Wraps an object and records every attribute anyone reads from it."""

    def __init__(self, inner: object) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "touched", [])

    def __getattr__(self, name: str):
        self.touched.append(name)
        return getattr(self._inner, name)
