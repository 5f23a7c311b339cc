"""What the bot keeps for as long as it runs, typed: python-telegram-bot's `bot_data`.

`build_application` makes the Application with `ContextTypes(bot_data=BotData)`,
so `application.bot_data` (and `context.bot_data` in a handler) is one of these
rather than a dict read by string keys.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from advisor.alerts.config import AlertConfig
from advisor.alerts.service import AlertService
from advisor.chat.core import Conversation
from advisor.chat.store import ReplyOutbox
from bot.sending import DEFAULT_DELIVERY, Delivery

ServicesFactory = Callable[[], AbstractContextManager[Conversation]]
AlertsFactory = Callable[[Conversation], AbstractContextManager[AlertService]]


@dataclass
class BotData:
    """Set by `build_application` (the factories, the settings) and at start-up (the
    services they opened); emptied at shutdown."""

    services: ServicesFactory | None = None
    alert_factory: AlertsFactory | None = None
    alert_config: AlertConfig = field(default_factory=AlertConfig)
    delivery: Delivery = DEFAULT_DELIVERY
    conversation: Conversation | None = None  # the chat core, once open
    outbox: ReplyOutbox | None = None  # replies waiting to be delivered
    alerts: AlertService | None = None  # the daily alerts and weekly digest, once open
    stack: ExitStack | None = None  # what start-up opened, closed at shutdown


CONTEXT_TYPES: ContextTypes[Any, dict[Any, Any], dict[Any, Any], BotData] = ContextTypes(
    bot_data=BotData
)
BotContext = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]


def bot_data(application: Application[Any, Any, Any, Any, BotData, Any]) -> BotData:
    """The application's `BotData` (an Application built elsewhere gets one here)."""
    data = application.bot_data
    if not isinstance(data, BotData):
        raise TypeError("the Application was not built by bot.app.build_application")
    return data
