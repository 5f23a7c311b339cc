"""Replies that could not be delivered now wait in the outbox (in the database) and go
out later: on the outbox job's next run, or before the next reply to the same chat,
so a chat's replies keep their order. Any bot process may deliver them; each claims
a reply before sending it, so none is sent twice."""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from advisor.chat.core import Reply
from advisor.chat.store import Queued, ReplyOutbox
from bot.data import bot_data
from bot.sending import Delivery, Undelivered, send_reply

log = logging.getLogger(__name__)

JOB_NAME = "reply-outbox"
LEASE = 120.0  # seconds a process holds a claimed reply before another may take it


def delivery_of(context: ContextTypes.DEFAULT_TYPE) -> Delivery:
    return bot_data(context.application).delivery


async def deliver(context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply) -> None:
    """Send the reply after anything still waiting for this chat; keep what cannot go now."""
    outbox = bot_data(context.application).outbox
    delivery = delivery_of(context)
    if outbox is None:
        await send_reply(context.bot, chat_id, reply, delivery)
        return
    if await flush(context.bot, outbox, delivery, chat_id):
        # Earlier replies are still stuck: this one waits behind them.
        await asyncio.to_thread(outbox.put, chat_id, reply, time.time())
        log.warning("reply to %d queued behind earlier undelivered replies", chat_id)
        return
    try:
        await send_reply(context.bot, chat_id, reply, delivery)
    except Undelivered as exc:
        await asyncio.to_thread(outbox.put, chat_id, exc.rest, time.time())
        log.warning("reply to %d not delivered (%s): kept in the outbox", chat_id, exc.cause)


async def flush(
    bot: Bot, outbox: ReplyOutbox, delivery: Delivery, chat_id: int | None = None
) -> int:
    """Try the replies that are due (one chat's, or all); returns how many are still waiting."""
    now = time.time()
    waiting = 0
    stuck: set[int] = set()
    for item in await asyncio.to_thread(outbox.claim, now, LEASE, chat_id):
        if item.chat_id in stuck:  # keep a chat's order: nothing passes a stuck reply
            await asyncio.to_thread(outbox.retry, item.id, item.reply, now)
            waiting += 1
            continue
        if not await _try(bot, outbox, delivery, item, now):
            stuck.add(item.chat_id)
            waiting += 1
    if chat_id is not None and not waiting:
        # A reply another process is sending right now still comes first.
        waiting = await asyncio.to_thread(outbox.pending, chat_id)
    return waiting


async def _try(bot: Bot, outbox: ReplyOutbox, delivery: Delivery, item: Queued, now: float) -> bool:
    """Send one queued reply; False when it has to wait again."""
    try:
        await send_reply(bot, item.chat_id, item.reply, delivery)
    except Undelivered as exc:
        if now - item.created_at > delivery.outbox_expiry:
            log.error(
                "reply %d to %d dropped after %d attempts: %s",
                item.id,
                item.chat_id,
                item.attempts + 1,
                exc.cause,
            )
            await asyncio.to_thread(outbox.done, item.id)
            return True
        wait = min(delivery.outbox_backoff * 2**item.attempts, delivery.outbox_expiry)
        await asyncio.to_thread(outbox.retry, item.id, exc.rest, now + wait)
        log.warning(
            "reply %d to %d still not delivered (%s): next try in %.0fs",
            item.id,
            item.chat_id,
            exc.cause,
            wait,
        )
        return False
    except TelegramError as exc:
        # Blocked by the user, or refused for good: trying again won't help.
        log.error("reply %d to %d dropped: %s", item.id, item.chat_id, exc)
        await asyncio.to_thread(outbox.done, item.id)
        return True
    await asyncio.to_thread(outbox.done, item.id)
    log.info("reply %d to %d delivered from the outbox", item.id, item.chat_id)
    return True


async def outbox_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    outbox = bot_data(context.application).outbox
    if outbox is not None:
        await flush(context.bot, outbox, delivery_of(context))
