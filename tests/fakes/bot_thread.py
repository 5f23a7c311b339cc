"""The real bot (`bot.app`) polling the fake Telegram Bot API in a thread of its own."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from contextlib import nullcontext

from advisor.chat.core import Conversation
from tests.fakes.telegram_api import FakeTelegram


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
