"""Scheduled jobs on python-telegram-bot's job queue: the daily risk alerts, the weekly
manager digest, and the outbox that delivers them.

The callbacks are thin: they run the synchronous core (`AlertService`) in a
thread and send what it hands back. Queued messages live in the database, so a
restart, quiet hours or a failed send lose nothing: the outbox job tries again.
Tests call the callbacks directly with a fixed clock instead of waiting for the
schedule.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes, JobQueue

from advisor.alerts.config import AlertConfig
from advisor.alerts.service import AlertService
from advisor.chat.reply import Reply, paragraphs
from bot.data import bot_data
from bot.outbox import delivery_of
from bot.sending import Undelivered, send_reply

log = logging.getLogger(__name__)

OUTBOX_EVERY = dt.timedelta(minutes=10)  # how often waiting messages are looked at
OUTBOX_FIRST = dt.timedelta(seconds=30)
JOB_NAMES = ("daily-alerts", "weekly-digest", "alert-outbox")


def _service(context: ContextTypes.DEFAULT_TYPE) -> AlertService | None:
    return bot_data(context.application).alerts


async def daily_alerts(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Re-analyse the accounts, queue each rep's new risks, send what may go out now."""
    service = _service(context)
    if service is None:
        return
    report = await asyncio.to_thread(service.run_daily)
    log.info(
        "daily alerts: %d found, %d messages queued, %d left out as duplicates%s",
        report.alerts,
        report.queued,
        report.skipped,
        " (first snapshot)" if report.baseline else "",
    )
    await deliver(context)


async def weekly_digest(context: ContextTypes.DEFAULT_TYPE) -> None:
    service = _service(context)
    if service is None:
        return
    report = await asyncio.to_thread(service.run_digest)
    log.info("weekly digest: %d messages queued", report.queued)
    await deliver(context)


async def deliver(context: ContextTypes.DEFAULT_TYPE) -> int:
    """Send the messages that are due (none in quiet hours); returns how many went out."""
    service = _service(context)
    if service is None:
        return 0
    sent = 0
    for message in await asyncio.to_thread(service.due):
        try:
            await send_reply(
                context.bot,
                message.user_id,
                Reply(paragraphs(message.text)),
                delivery_of(context),
            )
        except (Forbidden, BadRequest) as exc:
            # The user blocked the bot or never opened a chat with it: retrying won't help.
            log.warning("alert %d to %d dropped: %s", message.id, message.user_id, exc)
            await asyncio.to_thread(service.sent, message.id, False)
            continue
        except Undelivered as exc:
            # What went out stays out: the next try sends only the rest, so a rep
            # never reads the first half of an alert twice.
            log.warning(
                "alert %d to %d not (wholly) sent, will retry the rest: %s",
                message.id,
                message.user_id,
                exc.cause,
            )
            await asyncio.to_thread(service.partly_sent, message.id, "\n\n".join(exc.rest.parts))
            continue
        except TelegramError as exc:
            log.warning("alert %d to %d not sent, will retry: %s", message.id, message.user_id, exc)
            continue
        await asyncio.to_thread(service.sent, message.id)
        sent += 1
    return sent


def schedule(job_queue: JobQueue, config: AlertConfig) -> None:
    """The three jobs, at the configured local times."""
    at = config.alert_time.replace(tzinfo=config.tz)
    job_queue.run_daily(daily_alerts, time=at, name=JOB_NAMES[0])
    # python-telegram-bot counts days from Sunday (0); AlertConfig from Monday (0).
    job_queue.run_daily(
        weekly_digest, time=at, days=((config.digest_weekday + 1) % 7,), name=JOB_NAMES[1]
    )
    job_queue.run_repeating(_outbox, interval=OUTBOX_EVERY, first=OUTBOX_FIRST, name=JOB_NAMES[2])


async def _outbox(context: ContextTypes.DEFAULT_TYPE) -> None:
    await deliver(context)
