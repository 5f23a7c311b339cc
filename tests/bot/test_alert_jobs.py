"""The alert jobs against the fake Telegram API: the callbacks are run directly with a
fixed clock (no waiting for the schedule), and the schedule itself is checked once."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading
from contextlib import nullcontext

import pytest
from telegram.ext import CallbackContext

from advisor.alerts.config import AlertConfig
from advisor.alerts.rules import snapshot_of
from advisor.alerts.service import AlertService
from advisor.alerts.store import AlertStore
from advisor.chat.core import Conversation
from bot import jobs
from bot.data import bot_data
from tests.fakes.bot_thread import RunningBot
from tests.fakes.chat import MANAGER, REPS

KIM, WANG = REPS["kim.minji"], REPS["wang.lei"]
SEOUL = AlertConfig(timezone="Asia/Seoul", digest_weekday=0)


def _at(hour: int, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 30, tzinfo=SEOUL.tz).astimezone(dt.UTC)


class DateClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock_at() -> DateClock:
    return DateClock(_at(8))


@pytest.fixture
def service(users, sample_directory, knowledge_base, clock_at) -> AlertService:
    """Alerts over the sample portfolio; yesterday A001 was still EI with no decline."""
    alerts = AlertService(
        AlertStore(users.engine), users, lambda: sample_directory, knowledge_base, SEOUL, clock_at
    )
    yesterday = snapshot_of(sample_directory.analysis, dt.date(2026, 11, 1))
    a1 = yesterday.accounts["A001"]
    accounts = {
        **yesterday.accounts,
        "A001": dataclasses.replace(
            a1, segment="EI", risks={k: v for k, v in a1.risks.items() if k != "sharp_decline"}
        ),
    }
    alerts.store.save_snapshot(dataclasses.replace(yesterday, accounts=accounts), clock_at.now)
    return alerts


def run_jobs(conversation: Conversation, service: AlertService, *steps) -> None:
    """Build the real Application against the fake, then await each step(context) in turn."""
    from bot.app import BotConfig, build_application

    application = build_application(
        BotConfig.from_env(),
        lambda: nullcontext(conversation),
        lambda _c: nullcontext(service),
        SEOUL,
    )

    async def scenario() -> None:
        async with application:
            bot_data(application).alerts = service
            context = CallbackContext(application)
            for step in steps:
                await step(context)

    asyncio.run(scenario())


def test_the_daily_job_sends_each_rep_their_new_risks_once(
    conversation, service, bot_env, clock_at
) -> None:
    telegram = bot_env
    run_jobs(conversation, service, jobs.daily_alerts)
    [kim] = telegram.texts(KIM)
    assert kim.startswith("⚠️ 1 of your accounts moved into risk (data as of 2026-10-31):")
    assert "A001 ABC Trading — moved down EI → EII (high)" in kim and "➡ First step:" in kim
    assert telegram.texts(WANG) == [] and telegram.texts(MANAGER) == []
    clock_at.now += dt.timedelta(days=1)
    run_jobs(conversation, service, jobs.daily_alerts, jobs.deliver)
    assert len(telegram.texts(KIM)) == 1  # nothing new, nothing repeated


def test_alerts_found_in_quiet_hours_are_delivered_when_they_end(
    conversation, service, bot_env, clock_at
) -> None:
    telegram = bot_env
    clock_at.now = _at(22)
    run_jobs(conversation, service, jobs.daily_alerts)
    assert telegram.texts(KIM) == []

    async def morning(context) -> None:
        clock_at.now = _at(7, day=3)
        assert await jobs.deliver(context) == 0
        clock_at.now = _at(8, day=3)
        assert await jobs.deliver(context) == 1

    run_jobs(conversation, service, morning)
    assert len(telegram.texts(KIM)) == 1


def test_a_rep_who_blocked_the_bot_is_not_retried(conversation, service, bot_env) -> None:
    telegram = bot_env
    telegram.fail_next(
        "sendMessage",
        403,
        "Forbidden: bot was blocked by the user",
        when=lambda p: int(p["chat_id"]) == KIM,
    )
    run_jobs(conversation, service, jobs.daily_alerts, jobs.deliver)
    assert telegram.texts(KIM) == [] and service.store.pending() == []


def test_a_rep_who_opted_out_in_the_chat_gets_nothing(conversation, service, bot_env) -> None:
    assert conversation.handle_text(KIM, "/alerts off").text.startswith("Alerts are off.")
    run_jobs(conversation, service, jobs.daily_alerts)
    assert bot_env.texts(KIM) == []
    assert "Alerts are off" in conversation.handle_text(KIM, "/alerts").text


def test_the_weekly_digest_reaches_managers_in_their_language(
    conversation, service, users, bot_env
) -> None:
    users.set_language(MANAGER, "zh")
    run_jobs(conversation, service, jobs.weekly_digest)
    texts = bot_env.texts(MANAGER)
    assert texts and texts[0].startswith("📊 每周摘要——全部客户")
    assert any("风险营收" in t for t in texts)
    assert bot_env.texts(KIM) == []


class AlertingBot(RunningBot):
    """The real bot with the alert jobs, polling the fake in a thread of its own."""

    def __init__(self, conversation: Conversation, service: AlertService) -> None:
        from bot.app import BotConfig, build_application

        self.config = BotConfig.from_env()
        self.application = build_application(
            self.config, lambda: nullcontext(conversation), lambda _c: nullcontext(service), SEOUL
        )
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)


def test_the_bot_schedules_the_jobs_when_it_starts(conversation, service, bot_env) -> None:
    bot = AlertingBot(conversation, service).start(bot_env)
    try:
        bot_env.wait_for(
            lambda: len(bot.application.job_queue.jobs()) == 4, what="the jobs to be scheduled"
        )
        found = {job.name: job for job in bot.application.job_queue.jobs()}
        assert set(found) == {*jobs.JOB_NAMES, "reply-outbox"}
        daily = found["daily-alerts"].next_t.astimezone(SEOUL.tz)
        assert (daily.hour, daily.minute) == (8, 30)
        assert found["weekly-digest"].next_t.astimezone(SEOUL.tz).weekday() == 0  # Monday
        assert bot_data(bot.application).alerts is service
    finally:
        bot.stop()


def test_an_alert_cut_short_sends_only_its_rest_again(
    conversation, service, bot_env, clock_at
) -> None:
    from bot.sending import Delivery

    telegram = bot_env
    first, second = "First part. " + "a" * 3500, "Second part. " + "b" * 3500
    service.store.queue(KIM, "alert", f"{first}\n\n{second}", clock_at.now, clock_at.now)
    telegram.fail_next("sendMessage", 502, "Bad Gateway", when=lambda p: "Second part" in p["text"])

    async def impatient(context) -> None:
        bot_data(context.application).delivery = Delivery(attempts=1, backoff=0.0)

    async def twice(context) -> None:
        assert await jobs.deliver(context) == 0  # the first part went, the second did not
        assert await jobs.deliver(context) == 1

    run_jobs(conversation, service, impatient, twice)
    texts = telegram.texts(KIM)
    assert [t.split(".")[0] for t in texts] == ["First part", "Second part"]
    assert service.store.pending() == []
