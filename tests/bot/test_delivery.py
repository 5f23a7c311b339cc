"""Getting replies through: long answers, flood control, HTML rejections, bursts, buttons,
errors — the real bot over HTTP against the fake Bot API."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import replace

import pytest

from advisor.answering.service import Advisor
from advisor.chat.core import Conversation
from tests.fakes.chat import MANAGER, REPS, TRAINEE

KIM = REPS["kim.minji"]
PRICE_CUT = "A key account demands a 30% price cut. What should I do?"


def _long_text() -> str:
    """About 10,000 characters: short paragraphs, one longer than a message, markup-like text."""
    short = [f'{n}. Keep <b>calm</b> & compare "offers" — step {n} of the plan.' for n in range(80)]
    huge = " ".join(f"Sentence {n} weighs price < value & terms > discounts." for n in range(100))
    return "\n\n".join(short[:40] + [huge] + short[40:])


LONG = _long_text()


class LongAdvisor(Advisor):
    def ask(self, question, **kwargs):
        return replace(super().ask(question, **kwargs), text=LONG)


class EchoAdvisor(Advisor):
    """Answers start with the question, after a short deterministic pause that varies per
    question, so that concurrent handling would reorder replies if nothing kept the order."""

    def ask(self, question, **kwargs):
        time.sleep(hashlib.blake2b(question.encode(), digest_size=1).digest()[0] / 2500)
        answer = super().ask(question, **kwargs)
        return replace(answer, text=f"«{question}»\n\n{answer.text}")


class BrokenAdvisor(Advisor):
    def ask(self, question, **kwargs):
        if "boom" in question:
            raise RuntimeError("boom: internal detail that must not reach the user")
        return super().ask(question, **kwargs)


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_a_10000_character_answer_arrives_whole_in_messages_under_the_limit(
    knowledge_base, sample_directory, users, clock, tmp_path, start_bot, telegram
) -> None:
    assert len(LONG) >= 10_000
    start_bot(
        Conversation(LongAdvisor(knowledge_base, sample_directory), users, tmp_path, clock=clock)
    )
    telegram.send_text(MANAGER, PRICE_CUT)
    telegram.wait_for(
        lambda: any("reply_markup" in c.params for c in telegram.sent(MANAGER)),
        what="the last part of the long answer",
    )
    sent = telegram.sent(MANAGER)
    assert len(sent) >= 3
    assert all(c.ok for c in telegram.calls_of("sendMessage", ok_only=False))  # none too long
    assert all(len(c.params["shown"].encode("utf-16-le")) // 2 <= 4096 for c in sent)
    assert _words(" ".join(telegram.texts(MANAGER))) == _words(LONG)  # nothing dropped
    assert [("reply_markup" in c.params) for c in sent] == [False] * (len(sent) - 1) + [True]


def test_flood_control_waits_and_retries_instead_of_losing_the_reply(
    conversation, start_bot, telegram
) -> None:
    start_bot(conversation)
    telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    telegram.send_text(MANAGER, "/help")
    [help_text] = telegram.wait_sent(MANAGER, 1)
    attempts = [c for c in telegram.calls if c.method == "sendMessage"]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[0].params["text"] == attempts[1].params["text"]
    assert "Commands:" in help_text


def test_an_html_rejection_falls_back_to_plain_text(conversation, start_bot, telegram) -> None:
    start_bot(conversation)
    telegram.fail_next(
        "sendMessage",
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "b" at byte offset 0',
        when=lambda params: params.get("parse_mode") == "HTML",
    )
    telegram.send_text(MANAGER, "/brief A001")
    telegram.wait_for(
        lambda: any("reply_markup" in c.params for c in telegram.sent(MANAGER)),
        what="the whole brief",
    )
    attempts = [c for c in telegram.calls if c.method == "sendMessage"]
    assert attempts[0].status == 400 and "<b>" in attempts[0].params["text"]
    plain = attempts[1]
    assert plain.ok and "parse_mode" not in plain.params
    assert plain.params["text"].startswith("Account brief: ABC Trading (A001)")
    assert "<b>" not in plain.params["text"] and "**" not in plain.params["text"]
    assert all(c.params.get("parse_mode") == "HTML" for c in attempts[2:])  # only that one


def test_a_burst_of_50_messages_from_10_users_is_answered_in_order_per_chat(
    knowledge_base, sample_directory, users, clock, tmp_path, start_bot, telegram
) -> None:
    extra = [3002, 3003, 3004]
    for user_id in extra:
        users.add(user_id, "trainee")
    people = [*REPS.values(), MANAGER, TRAINEE, *extra]
    assert len(people) == 10
    advisor = EchoAdvisor(knowledge_base, sample_directory)
    start_bot(Conversation(advisor, users, tmp_path, clock=clock))
    questions = {
        p: [f"Q{k} from {p}: the customer asks for a price cut" for k in range(5)] for p in people
    }
    # Each user's messages back to back: handled concurrently, they would race.
    for person in people:
        for question in questions[person]:
            telegram.send_text(person, question)

    def answered(person: int) -> list[str]:
        return [t.split("»")[0].lstrip("«") for t in telegram.texts(person) if t.startswith("«")]

    telegram.wait_for(
        lambda: all(
            len([c for c in telegram.sent(p) if "reply_markup" in c.params]) == 5 for p in people
        ),
        timeout=120,
        what="50 answers",
    )
    for person in people:
        assert answered(person) == questions[person]
    assert all(c.ok for c in telegram.calls if c.method == "sendMessage")


def test_buttons_show_sources_and_store_feedback(conversation, users, start_bot, telegram) -> None:
    start_bot(conversation)
    telegram.send_text(MANAGER, PRICE_CUT)
    telegram.wait_for(
        lambda: any("reply_markup" in c.params for c in telegram.sent(MANAGER)), what="the answer"
    )
    last = [c for c in telegram.sent(MANAGER) if "reply_markup" in c.params][-1]
    buttons = [b for row in last.params["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["📚 Sources", "🤝 Tactics", "👍", "👎"]
    data = {b["text"]: b["callback_data"] for b in buttons}
    before = len(telegram.sent(MANAGER))
    telegram.press(MANAGER, data["📚 Sources"])
    telegram.wait_for(lambda: len(telegram.sent(MANAGER)) > before, what="the sources")
    assert telegram.texts(MANAGER)[before].startswith("Sources behind this answer")
    telegram.press(MANAGER, data["👍"])
    telegram.wait_for(
        lambda: len(telegram.calls_of("editMessageReplyMarkup")) == 1, what="the keyboard edit"
    )
    thanks = telegram.calls_of("answerCallbackQuery")[-1]
    assert thanks.params["text"] == "Thanks for the feedback!"
    kept = telegram.calls_of("editMessageReplyMarkup")[0].params["reply_markup"]
    assert [b["text"] for row in kept["inline_keyboard"] for b in row] == [
        "📚 Sources",
        "🤝 Tactics",
    ]
    assert [(f.question, f.vote) for f in users.all_feedback()] == [(PRICE_CUT, 1)]
    assert len(telegram.calls_of("answerCallbackQuery")) == 2


def test_typing_is_shown_and_non_text_messages_are_answered(
    conversation, start_bot, telegram
) -> None:
    start_bot(conversation)
    telegram.send_text(KIM, PRICE_CUT)
    telegram.send_photo_from(KIM)
    telegram.wait_for(
        lambda: any("text messages" in t for t in telegram.texts(KIM)), what="the reply to a photo"
    )
    methods = [c.method for c in telegram.calls if c.method in ("sendChatAction", "sendMessage")]
    assert methods[0] == "sendChatAction"
    assert telegram.calls_of("sendChatAction")[0].params["action"] == "typing"


def test_an_error_is_logged_and_the_user_gets_a_short_apology(
    knowledge_base, sample_directory, users, clock, tmp_path, start_bot, telegram, caplog
) -> None:
    start_bot(
        Conversation(BrokenAdvisor(knowledge_base, sample_directory), users, tmp_path, clock=clock)
    )
    telegram.send_text(MANAGER, "boom: what now?")
    telegram.send_text(MANAGER, "/help")
    texts = telegram.wait_sent(MANAGER, 2)
    assert texts[0] == (
        "Sorry, something went wrong on my side and I couldn't answer. "
        "Please try again in a moment."
    )
    assert "boom" not in texts[0] and "Traceback" not in texts[0]
    assert "Commands:" in texts[1]  # still serving
    assert any(
        "failed to handle an update" in r.getMessage() and r.exc_info for r in caplog.records
    )


TOKEN = {"TELEGRAM_BOT_TOKEN": "123456789:AAHfake-token_for-tests-only"}


def test_delivery_settings_come_from_the_environment() -> None:
    from bot.app import BotConfig
    from bot.sending import DEFAULT_DELIVERY

    assert BotConfig.from_env(TOKEN).delivery == DEFAULT_DELIVERY
    delivery = BotConfig.from_env(
        {
            **TOKEN,
            "ADVISOR_BOT_SEND_ATTEMPTS": "2",
            "ADVISOR_BOT_RETRY_SECONDS": "0.5",
            "ADVISOR_BOT_OUTBOX_SECONDS": "15",
            "ADVISOR_BOT_OUTBOX_EXPIRY_HOURS": "6",
        }
    ).delivery
    assert (delivery.attempts, delivery.backoff, delivery.outbox_every, delivery.outbox_expiry) == (
        2,
        0.5,
        15.0,
        6 * 3600.0,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ADVISOR_BOT_SEND_ATTEMPTS", "0"),
        ("ADVISOR_BOT_SEND_ATTEMPTS", "2.5"),
        ("ADVISOR_BOT_RETRY_SECONDS", "-1"),
        ("ADVISOR_BOT_OUTBOX_SECONDS", "0"),
        ("ADVISOR_BOT_OUTBOX_EXPIRY_HOURS", "soon"),
        ("ADVISOR_BOT_RETRY_SECONDS", "inf"),
    ],
)
def test_a_bad_delivery_setting_is_one_clear_error(name: str, value: str) -> None:
    from bot.app import BotConfig, BotError

    with pytest.raises(BotError, match=rf"^{name}='{re.escape(value)}' is not a "):
        BotConfig.from_env({**TOKEN, name: value})
