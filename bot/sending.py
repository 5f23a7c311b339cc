"""Sending a `Reply` to a chat so that it arrives: waits out flood control, falls back to
plain text when Telegram rejects the HTML, and keeps "typing…" up while the advisor works."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, RetryAfter, TelegramError

from advisor.conversation import Reply
from bot.formatting import Chunk, caption, keyboard, split_message

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_ATTEMPTS = 5  # flood-control waits before giving up on one message
TYPING_EVERY = 4.0  # seconds: Telegram shows "typing…" for about five
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def with_flood_retry(call: Callable[[], Awaitable[T]], attempts: int = MAX_ATTEMPTS) -> T:
    """Make an API call; on RetryAfter wait as long as Telegram asks and try again."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except RetryAfter as exc:
            if attempt == attempts:
                raise
            wait = retry_seconds(exc)
            log.warning("flood control: waiting %.1fs before retrying (attempt %d)", wait, attempt)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")


def is_parse_error(exc: BadRequest) -> bool:
    message = exc.message.lower()
    return "parse entities" in message or "can't find end" in message or "unsupported start tag" in message


async def send_chunk(
    bot: Bot, chat_id: int, chunk: Chunk, markup: InlineKeyboardMarkup | None
) -> Message:
    """One message as HTML; if Telegram cannot parse it, the same words as plain text."""
    try:
        return await with_flood_retry(lambda: bot.send_message(
            chat_id, chunk.html, parse_mode=ParseMode.HTML, reply_markup=markup,
            link_preview_options=NO_PREVIEW,
        ))
    except BadRequest as exc:
        if not is_parse_error(exc):
            raise
        log.warning("HTML rejected (%s): sending plain text", exc.message)
        return await with_flood_retry(lambda: bot.send_message(
            chat_id, chunk.plain, reply_markup=markup, link_preview_options=NO_PREVIEW,
        ))


async def send_reply(bot: Bot, chat_id: int, reply: Reply) -> list[Message]:
    """Everything in the reply, in order: the photo first, then the text, buttons under the last."""
    sent: list[Message] = []
    if reply.photo is not None:
        photo = reply.photo

        async def _photo() -> Message:
            with photo.open("rb") as handle:  # a fresh handle for every attempt
                return await bot.send_photo(chat_id, handle, caption=caption(reply.caption))

        sent.append(await with_flood_retry(_photo))
    chunks = split_message(reply.parts, reply.format)
    markup = keyboard(reply.buttons)
    for n, chunk in enumerate(chunks, start=1):
        sent.append(await send_chunk(bot, chat_id, chunk, markup if n == len(chunks) else None))
    return sent


@contextlib.asynccontextmanager
async def typing(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in the chat until the block ends; failures here are only cosmetic."""

    async def _keep() -> None:
        while True:
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError as exc:
                log.debug("chat action failed: %s", exc)
            await asyncio.sleep(TYPING_EVERY)

    task = asyncio.create_task(_keep())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
