"""Replies get through server errors, dropped connections, repeated flood control and
"message is too long"; what still cannot go out waits in the outbox and arrives later.
The real bot over HTTP against the fake Bot API, failures injected per method call."""

from __future__ import annotations

import re
from dataclasses import replace

import httpx
import pytest

from advisor.chat.core import Conversation
from advisor.users.store import UserStore
from tests.fakes.bot_thread import RunningBot
from tests.fakes.chat import MANAGER
from tests.fakes.telegram_api import DROP

APOLOGY = "Sorry, something went wrong on my side"


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _fast(**changes):
    """The bot's configuration with short waits, so the tests do not sleep for long."""
    from bot.app import BotConfig
    from bot.sending import Delivery

    delivery = Delivery(
        **{
            "attempts": 3,
            "backoff": 0.01,
            "max_backoff": 0.05,
            "outbox_every": 0.2,
            "outbox_backoff": 0.05,
            **changes,
        }
    )
    return replace(BotConfig.from_env(), delivery=delivery)


def _statuses(telegram) -> list[int]:
    return [c.status for c in telegram.calls if c.method == "sendMessage"]


@pytest.mark.parametrize(
    "status, description", [(500, "Internal Server Error"), (502, "Bad Gateway"), (DROP, "")]
)
def test_one_server_error_or_dropped_connection_is_tried_again(
    status, description, conversation, start_bot, telegram
) -> None:
    start_bot(conversation)
    telegram.fail_next("sendMessage", status, description)
    telegram.send_text(MANAGER, "/help")
    [help_text] = telegram.wait_sent(MANAGER, 1)
    assert "Commands:" in help_text and APOLOGY not in help_text
    assert _statuses(telegram) == [status, 200]


def test_six_flood_control_answers_in_a_row_are_waited_out(
    conversation, start_bot, telegram
) -> None:
    start_bot(conversation)
    telegram.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 0.05", retry_after=0.05, times=6
    )
    telegram.send_text(MANAGER, "/help")
    [help_text] = telegram.wait_sent(MANAGER, 1)
    assert "Commands:" in help_text
    assert _statuses(telegram) == [429] * 6 + [200]


def test_message_is_too_long_sends_it_again_in_parts(conversation, start_bot, telegram) -> None:
    expected = conversation.command(MANAGER, "help").text
    start_bot(conversation)
    telegram.fail_next("sendMessage", 400, "Bad Request: message is too long")
    telegram.send_text(MANAGER, "/help")
    telegram.wait_for(
        lambda: _words(" ".join(telegram.texts(MANAGER))) == _words(expected),
        what="the whole help in parts",
    )
    texts = telegram.texts(MANAGER)
    assert len(texts) >= 2 and APOLOGY not in " ".join(texts)
    first, *rest = [c for c in telegram.calls if c.method == "sendMessage"]
    assert first.status == 400 and all(c.ok for c in rest)
    assert all(len(c.params["text"]) < len(first.params["text"]) for c in rest)


@pytest.mark.parametrize("status, retry_after", [(500, None), (429, 0.01)])
def test_a_reply_that_cannot_be_delivered_now_arrives_later_from_the_outbox(
    status, retry_after, conversation, start_bot, telegram
) -> None:
    # 3 tries of the call; AIORateLimiter waits out 2 floods before giving up.
    start_bot(conversation, _fast(attempts=3, flood_retries=2))
    telegram.fail_next("sendMessage", status, "failure", retry_after=retry_after, times=3)
    telegram.send_text(MANAGER, "/help")
    [help_text] = telegram.wait_sent(MANAGER, 1)
    assert "Commands:" in help_text  # no apology: the reply itself, later
    assert _statuses(telegram) == [status] * 3 + [200]
    telegram.wait_for(lambda: conversation.outbox.pending() == 0, what="an empty outbox")


def test_a_queued_reply_goes_out_before_the_next_one_and_survives_a_restart(
    conversation, advisor, db_url, clock, tmp_path, start_bot, telegram
) -> None:
    first = start_bot(conversation, _fast(attempts=1, outbox_every=3600))
    telegram.fail_next("sendMessage", 502, "Bad Gateway")
    telegram.send_text(MANAGER, "/help")
    telegram.wait_for(lambda: conversation.outbox.pending() == 1, what="the queued reply")
    first.stop()
    assert telegram.sent(MANAGER) == []
    with UserStore(db_url) as reopened:  # a new process, as far as the bot can tell
        restarted = Conversation(advisor, reopened, tmp_path, clock=clock)
        start_bot(restarted, _fast(attempts=1, outbox_every=3600))  # the job won't run
        telegram.send_text(MANAGER, "/reset")
        texts = telegram.wait_sent(MANAGER, 2)
        assert "Commands:" in texts[0] and texts[1].startswith("Done — I've forgotten")
        assert restarted.outbox.pending() == 0


def test_malformed_json_on_the_webhook_is_a_bad_request(conversation, bot_env) -> None:
    import socket

    from bot.app import BotConfig

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/telegram-hook"
    config = replace(
        BotConfig.from_env(webhook_url=url, webhook_port=port, webhook_secret="s3cret"),
        webhook_listen="127.0.0.1",
    )
    bot = RunningBot(conversation, config).start(bot_env)
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret", "Content-Type": "application/json"}
    try:
        broken = httpx.post(
            url, content=b'{"update_id": 1, "message": {', headers=headers, timeout=10
        )
        assert broken.status_code == 400
        not_utf8 = httpx.post(url, content=b"\xff\xfe{}", headers=headers, timeout=10)
        assert not_utf8.status_code == 400
        genuine = httpx.post(
            url, json=bot_env.message_update(MANAGER, "/help"), headers=headers, timeout=10
        )
        assert genuine.status_code == 200
        [help_text] = bot_env.wait_sent(MANAGER, 1)
        assert "Commands:" in help_text
    finally:
        bot.stop()
