"""Sending a `Reply` to a chat so that it arrives.

- Flood control (429) is python-telegram-bot's `AIORateLimiter` (`rate_limiter`):
  it throttles outgoing calls and waits as long as Telegram asks, `flood_retries` times.
- A transient failure — a 5xx answer, a dropped connection, a timeout — is tried
  again after a backoff that doubles (`Delivery.attempts`, `.backoff`). A timeout may
  mean Telegram did send the message: a rare duplicate is preferred to a lost reply.
- HTML that Telegram cannot parse goes again as plain text; "message is too long"
  cuts that message in two and sends both halves.
- What still cannot go out raises `Undelivered` with the part of the reply not yet
  sent, for the outbox (`bot/outbox.py`) to deliver later.

"typing…" is kept up while the advisor works.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter

from advisor.chat.core import Reply
from bot.formatting import Chunk, caption, keyboard, split_message, telegram_length

log = logging.getLogger(__name__)

T = TypeVar("T")
TYPING_EVERY = 4.0  # seconds: Telegram shows "typing…" for about five
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
MIN_SPLIT = 64  # "too long" for a message shorter than this is not about its length


@dataclass(frozen=True)
class Delivery:
    """How hard the bot tries to get a message through, and when the outbox looks again."""

    attempts: int = 4  # tries of one call on a transient error (5xx, dropped connection)
    backoff: float = 1.0  # seconds before the second try; doubled for each further one
    max_backoff: float = 30.0
    flood_retries: int = 10  # waits on "Too Many Requests" before a call gives up
    outbox_every: float = 60.0  # seconds between two looks at the outbox
    outbox_backoff: float = 60.0  # a reply that failed again waits this long, doubled each time
    outbox_expiry: float = 24 * 3600.0  # seconds after which an undeliverable reply is dropped

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.backoff < 0 or self.flood_retries < 0:
            raise ValueError("attempts must be at least 1, backoff and flood retries not negative")
        if self.outbox_every <= 0:
            raise ValueError("the outbox interval must be positive")

    def wait(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th failed try (1-based)."""
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1))


DEFAULT_DELIVERY = Delivery()


def rate_limiter(delivery: Delivery) -> AIORateLimiter:
    """Telegram's limits (30 messages a second overall, 20 a minute per group), waiting out
    flood control up to `flood_retries` times per call."""
    return AIORateLimiter(max_retries=delivery.flood_retries)


class Undelivered(TelegramError):
    """A reply (or its rest) that could not be sent now; `rest` is what is still to go."""

    def __init__(self, rest: Reply, cause: TelegramError) -> None:
        super().__init__(f"not delivered: {cause}")
        self.rest = rest
        self.cause = cause


def transient(exc: BaseException) -> bool:
    """A failure worth trying again soon: a network error or a 5xx (not a 400)."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


def later(exc: BaseException) -> bool:
    """A failure that may pass with time: transient, or flood control outlasting its retries."""
    return transient(exc) or isinstance(exc, (RetryAfter, Undelivered))


async def with_retry(call: Callable[[], Awaitable[T]], delivery: Delivery = DEFAULT_DELIVERY) -> T:
    """Make an API call; on a transient error wait (doubling) and try again."""
    for attempt in range(1, delivery.attempts + 1):
        try:
            return await call()
        except TelegramError as exc:
            if not transient(exc) or attempt == delivery.attempts:
                raise
            wait = delivery.wait(attempt)
            log.warning(
                "Bot API call failed (%s): trying again in %.1fs (attempt %d of %d)",
                exc,
                wait,
                attempt,
                delivery.attempts,
            )
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")


def is_parse_error(exc: BadRequest) -> bool:
    message = exc.message.lower()
    return (
        "parse entities" in message
        or "can't find end" in message
        or "unsupported start tag" in message
    )


def is_too_long(exc: BadRequest) -> bool:
    return "too long" in exc.message.lower()


async def send_chunk(
    bot: Bot,
    chat_id: int,
    chunk: Chunk,
    markup: InlineKeyboardMarkup | None,
    delivery: Delivery = DEFAULT_DELIVERY,
) -> Message:
    """One message as HTML; if Telegram cannot parse it, the same words as plain text."""
    try:
        return await with_retry(
            lambda: bot.send_message(
                chat_id,
                chunk.html,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,
            ),
            delivery,
        )
    except BadRequest as exc:
        if not is_parse_error(exc):
            raise
        log.warning("HTML rejected (%s): sending plain text", exc.message)
        return await with_retry(
            lambda: bot.send_message(
                chat_id,
                chunk.plain,
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,
            ),
            delivery,
        )


async def send_reply(
    bot: Bot, chat_id: int, reply: Reply, delivery: Delivery = DEFAULT_DELIVERY
) -> list[Message]:
    """Everything in the reply, in order: the photo first, then the text, buttons under the last.

    Raises `Undelivered` (with what was not sent) when a failure outlasts the retries.
    """
    sent: list[Message] = []
    if reply.photo is not None:
        photo = reply.photo

        async def _photo() -> Message:
            with photo.open("rb") as handle:  # a fresh handle for every attempt
                return await bot.send_photo(chat_id, handle, caption=caption(reply.caption))

        try:
            sent.append(await with_retry(_photo, delivery))
        except TelegramError as exc:
            if later(exc):
                raise Undelivered(reply, exc) from exc
            raise
    markup = keyboard(reply.buttons)
    queue = deque(split_message(reply.parts, reply.format))
    while queue:
        chunk = queue.popleft()
        try:
            sent.append(await send_chunk(bot, chat_id, chunk, None if queue else markup, delivery))
        except BadRequest as exc:
            half = telegram_length(chunk.html) // 2
            if not is_too_long(exc) or half < MIN_SPLIT:
                raise
            log.warning(
                "message of %d units rejected as too long: sending it in parts",
                telegram_length(chunk.html),
            )
            queue.extendleft(reversed(split_message([chunk.source], reply.format, half)))
        except TelegramError as exc:
            if not later(exc):
                raise
            rest = Reply(
                tuple(c.source for c in (chunk, *queue)), reply.format, buttons=reply.buttons
            )
            raise Undelivered(rest, exc) from exc
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
