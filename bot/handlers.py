"""Thin handlers: read the update, ask the conversation core (in a thread: it is
synchronous and may search, draw or call a model), send what it replies."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from advisor.chat.core import Conversation, Reply, apology_for
from bot.data import bot_data
from bot.formatting import keyboard
from bot.outbox import deliver, delivery_of
from bot.sending import send_reply, typing, with_retry

log = logging.getLogger(__name__)


def _conversation(context: ContextTypes.DEFAULT_TYPE) -> Conversation:
    conversation = bot_data(context.application).conversation
    if conversation is None:
        raise RuntimeError("the conversation core is not ready (post_init did not run)")
    return conversation


async def _respond(
    update: Update, context: ContextTypes.DEFAULT_TYPE, call: Callable[[Conversation], Reply]
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    conversation = _conversation(context)
    async with typing(context.bot, chat.id):
        reply = await asyncio.to_thread(call, conversation)
    await deliver(context, chat.id, reply)


def _who(update: Update) -> tuple[int, str | None]:
    user = update.effective_user
    if user is None:
        raise ValueError("an update without a sender")
    return user.id, user.language_code


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not (message.text or "").strip():
        return
    user_id, locale = _who(update)
    text = message.text
    # The core parses `/name@bot args` (arguments as written, newlines too), as it does for
    # `advisor chat`: one parser for both edges, not `context.args`, which splits words.
    await _respond(update, context, lambda c: c.handle_text(user_id, text, locale))


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    user_id, locale = _who(update)
    text = message.text
    await _respond(update, context, lambda c: c.handle_text(user_id, text, locale))


async def on_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command in a group: answered only in private, where no one else reads the data."""
    user = update.effective_user
    locale = user.language_code if user else None
    await _respond(update, context, lambda c: c.private_only(locale))


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, stickers, voice notes…: the core says it reads text only."""
    user_id, locale = _who(update)
    await _respond(update, context, lambda c: c.non_text(user_id, locale))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    user_id, locale = query.from_user.id, query.from_user.language_code
    data = query.data or ""
    conversation = _conversation(context)
    delivery = delivery_of(context)
    reply = await asyncio.to_thread(conversation.button, user_id, data, locale)
    # Always answer the query, or the button keeps spinning on the user's screen.
    try:
        await with_retry(lambda: query.answer(reply.notice or None), delivery)
    except TelegramError as exc:  # "query is too old": the reply below still matters
        log.info("callback query not answered: %s", exc)
    if reply.keyboard is not None and query.message is not None:
        # No buttons left: the parameter is left out, which is how the Bot API removes an
        # inline keyboard (an empty markup object is not a valid keyboard).
        markup = keyboard(reply.keyboard)
        try:
            await with_retry(lambda: query.edit_message_reply_markup(markup), delivery)
        except BadRequest as exc:  # e.g. "message is not modified" after a double tap
            log.debug("keyboard not changed: %s", exc)
    if reply.parts or reply.photo:
        chat = update.effective_chat
        if chat is not None:
            await deliver(context, chat.id, reply)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one error handler: log the failure with its traceback, apologise briefly to the user."""
    log.error("failed to handle an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    conversation = bot_data(context.application).conversation
    user_id = user.id if user else None
    locale = user.language_code if user else None
    apology = conversation.apology(user_id, locale) if conversation else apology_for(locale)
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    try:
        await send_reply(context.bot, update.effective_chat.id, apology, delivery_of(context))
    except TelegramError as exc:
        log.error("could not send the apology either: %s", exc)
