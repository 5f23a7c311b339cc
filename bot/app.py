"""The one wiring place of the Telegram bot.

Reads the TELEGRAM_* environment (and nothing else does), builds the
python-telegram-bot `Application` with its handlers in order, opens the advisor
services in `post_init` and closes them in `post_shutdown`, registers the one
error handler, and runs long polling (or a webhook). SIGINT and SIGTERM stop it
cleanly: python-telegram-bot's `run_*` methods turn them into a graceful
shutdown, which runs `post_shutdown`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import math
import os
import re
import secrets
from collections.abc import Mapping
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlparse

from telegram import Bot, BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from advisor.alerts.config import AlertConfig
from advisor.alerts.service import AlertService
from advisor.chat.commands import NAMES, command_menu
from advisor.chat.core import Conversation
from advisor.errors import AdvisorError
from advisor.settings import Settings
from bot.data import CONTEXT_TYPES, AlertsFactory, ServicesFactory, bot_data
from bot.handlers import (
    on_button,
    on_command,
    on_error,
    on_group,
    on_other,
    on_text,
)
from bot.jobs import schedule
from bot.ordering import ChatOrderedProcessor
from bot.outbox import JOB_NAME, outbox_job
from bot.sending import DEFAULT_DELIVERY, Delivery, rate_limiter

log = logging.getLogger(__name__)

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_API_BASE_URL = "TELEGRAM_API_BASE_URL"
ENV_WEBHOOK_SECRET = "TELEGRAM_WEBHOOK_SECRET"
# How hard delivery tries, by variable: (Delivery field, seconds per unit or None for a
# count, the smallest value allowed, whether that value itself is allowed).
ENV_DELIVERY: dict[str, tuple[str, float | None, float, bool]] = {
    "ADVISOR_BOT_SEND_ATTEMPTS": ("attempts", None, 1, True),
    "ADVISOR_BOT_RETRY_SECONDS": ("backoff", 1.0, 0, True),
    "ADVISOR_BOT_OUTBOX_SECONDS": ("outbox_every", 1.0, 0, False),
    "ADVISOR_BOT_OUTBOX_EXPIRY_HOURS": ("outbox_expiry", 3600.0, 0, False),
}
DEFAULT_WEBHOOK_PORT = 8443
POLL_TIMEOUT = 10  # seconds a getUpdates long poll may wait for news
MAX_CONCURRENT_UPDATES = 8  # chats served side by side; one update at a time per chat
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a secret token
_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")  # the bot's id, a colon, its secret
# Given the conversation (its user store and knowledge), the alert service for the jobs.


class BotError(AdvisorError):
    """The bot cannot start: no token, a bad setting, or the Bot API out of reach."""


@dataclass(frozen=True)
class BotConfig:
    token: str
    api_base_url: str | None = None  # a self-hosted Bot API server (or a test's fake)
    webhook_url: str | None = None  # set: run a webhook instead of long polling
    webhook_port: int = DEFAULT_WEBHOOK_PORT
    webhook_listen: str = "0.0.0.0"
    webhook_secret: str | None = None
    delivery: Delivery = field(default_factory=Delivery)  # retries, backoff, the outbox

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        webhook_url: str | None = None,
        webhook_port: int = DEFAULT_WEBHOOK_PORT,
        webhook_secret: str | None = None,
    ) -> BotConfig:
        env = os.environ if env is None else env
        token = (env.get(ENV_TOKEN) or "").strip()
        if not token:
            raise BotError(
                f"{ENV_TOKEN} is not set: create a bot with @BotFather and export its token"
            )
        if not _TOKEN.match(token):
            raise BotError(
                f"{ENV_TOKEN} is not a bot token: @BotFather gives one like 123456789:AAH…"
            )
        base = (env.get(ENV_API_BASE_URL) or "").strip() or None
        if base is not None and urlparse(base).scheme not in ("http", "https"):
            raise BotError(f"{ENV_API_BASE_URL} must be an http(s) URL, not '{base}'")
        secret = None
        if webhook_url:
            if urlparse(webhook_url).scheme not in ("http", "https"):
                raise BotError(f"--webhook-url must be an https URL, not '{webhook_url}'")
            secret = webhook_secret or (env.get(ENV_WEBHOOK_SECRET) or "").strip() or None
            if secret is None:
                # Without a secret anyone who finds the URL could post forged updates
                # in a manager's name: never run a webhook without one.
                secret = secrets.token_urlsafe(32)
                log.info(
                    "no %s given: using a random webhook secret for this run", ENV_WEBHOOK_SECRET
                )
            if not _SECRET.match(secret):
                raise BotError(
                    "the webhook secret may use only A-Z, a-z, 0-9, _ and - (1 to 256 characters)"
                )
        return cls(
            token,
            base,
            webhook_url or None,
            webhook_port,
            webhook_secret=secret,
            delivery=_delivery(env),
        )


def _delivery(env: Mapping[str, str]) -> Delivery:
    """The delivery settings: the defaults, changed by the variables that are set."""
    changes: dict[str, float] = {}
    for name, (field_name, unit, least, inclusive) in ENV_DELIVERY.items():
        raw = (env.get(name) or "").strip()
        if not raw:
            continue
        try:
            value = float(raw) if unit else float(int(raw))
        except ValueError:
            value = float("nan")
        if not math.isfinite(value) or not (value >= least if inclusive else value > least):
            kind = "a whole number" if unit is None else "a number"
            bound = f"{least:g} or more" if inclusive else f"above {least:g}"
            raise BotError(f"{name}={raw!r} is not {kind} {bound}")
        changes[field_name] = value * unit if unit else int(value)
    return replace(DEFAULT_DELIVERY, **changes)


def api_urls(base: str) -> tuple[str, str]:
    """`base_url` and `base_file_url` for python-telegram-bot from a Bot API server address.

    `http://host:8081` (the server's root) and `http://host:8081/bot` both give
    `http://host:8081/bot` and `http://host:8081/file/bot`; the token is appended.
    """
    root = base.rstrip("/")
    if root.endswith("/bot"):
        root = root[: -len("/bot")]
    return f"{root}/bot", f"{root}/file/bot"


def open_services(settings: Settings) -> AbstractContextManager[Conversation]:
    """The conversation core over the advisor and the stores named by the settings."""
    from advisor.wiring import open_conversation

    return open_conversation(settings)


def build_application(
    config: BotConfig,
    services: ServicesFactory,
    alerts: AlertsFactory | None = None,
    alert_config: AlertConfig | None = None,
) -> Application:
    """The Application with its handlers; with `alerts`, post_init also schedules the daily
    alerts, the weekly digest and the outbox on the job queue (`alert_config` says when)."""
    builder = (
        Application.builder()
        .token(config.token)
        .concurrent_updates(ChatOrderedProcessor(MAX_CONCURRENT_UPDATES))
        .rate_limiter(rate_limiter(config.delivery))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .context_types(CONTEXT_TYPES)
    )
    if config.api_base_url:
        base_url, base_file_url = api_urls(config.api_base_url)
        builder = builder.base_url(base_url).base_file_url(base_file_url)
    application = builder.build()
    data = bot_data(application)
    data.services = services
    data.delivery = config.delivery
    data.alert_factory = alerts
    data.alert_config = alert_config or AlertConfig()
    register_handlers(application)
    return application


def register_handlers(application: Application) -> None:
    """In order: commands in groups (refused), known commands, other commands, questions,
    buttons, anything else; then the one error handler."""
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(~private & filters.COMMAND, on_group))
    application.add_handler(CommandHandler(list(NAMES), on_command, filters=private))
    application.add_handler(MessageHandler(private & filters.COMMAND, on_command))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(
        MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.TEXT, on_other)
    )
    application.add_error_handler(on_error)


async def _post_init(application: Application) -> None:
    data = bot_data(application)
    stack = data.stack = ExitStack()
    if data.services is None:
        raise BotError("the bot has no services to open")
    # Opening the index and the stores reads files: keep it off the event loop.
    conversation = await asyncio.to_thread(stack.enter_context, data.services())
    data.conversation = conversation
    _start_outbox(application, conversation)
    await _start_alerts(application, stack, conversation)
    await _set_command_menu(application)
    log.info("bot @%s is ready", application.bot.username)


def _start_outbox(application: Application, conversation: Conversation) -> None:
    """Replies that could not be delivered go out from the outbox job."""
    outbox = getattr(conversation, "outbox", None)
    if outbox is None:
        return
    data = bot_data(application)
    data.outbox = outbox
    if application.job_queue is None:
        log.warning(
            "undelivered replies wait for the next message to their chat: the job "
            "queue needs pip install 'python-telegram-bot[job-queue]'"
        )
        return
    every = data.delivery.outbox_every
    application.job_queue.run_repeating(outbox_job, interval=every, first=every, name=JOB_NAME)


async def _start_alerts(
    application: Application, stack: ExitStack, conversation: Conversation
) -> None:
    data = bot_data(application)
    alerts = data.alert_factory
    if alerts is None:
        return
    if application.job_queue is None:
        log.warning(
            "alerts are off: the job queue needs pip install 'python-telegram-bot[job-queue]'"
        )
        return
    config = data.alert_config
    data.alerts = await asyncio.to_thread(stack.enter_context, alerts(conversation))
    schedule(application.job_queue, config)
    log.info(
        "alerts at %s %s daily, the digest on weekday %d",
        config.alert_time,
        config.timezone,
        config.digest_weekday,
    )


async def _set_command_menu(application: Application) -> None:
    """The command menu in English (the default), Korean and Chinese; cosmetic if it fails."""
    for code, language in (("en", None), ("ko", "ko"), ("zh", "zh")):
        commands = [BotCommand(name, description) for name, description in command_menu(code)]
        try:
            await application.bot.set_my_commands(commands, language_code=language)
        except TelegramError as exc:
            log.warning("could not set the %s command menu: %s", code, exc)


async def _post_shutdown(application: Application) -> None:
    data = bot_data(application)
    stack = data.stack
    data.stack = data.conversation = data.alerts = data.outbox = None
    if stack is not None:
        await asyncio.to_thread(stack.close)
        log.info("bot stopped")


def run(
    config: BotConfig,
    services: ServicesFactory,
    alerts: AlertsFactory | None = None,
    alert_config: AlertConfig | None = None,
) -> None:
    """Run until SIGINT/SIGTERM; a failure to start is a `BotError` (one line for the CLI)."""
    asyncio.run(check_api(config))
    run_application(build_application(config, services, alerts, alert_config), config)


async def check_api(config: BotConfig) -> None:
    """Reach the Bot API with the token once (getMe) before opening anything else.

    A bad token or an unreachable server is then one clear line, instead of
    python-telegram-bot's start-up retry loop logging a traceback.
    """
    urls: dict[str, str] = {}
    if config.api_base_url:
        base_url, base_file_url = api_urls(config.api_base_url)
        urls = {"base_url": base_url, "base_file_url": base_file_url}
    bot = Bot(config.token, **urls)
    where = config.api_base_url or "api.telegram.org"
    try:
        async with bot:
            pass  # initialising calls getMe
    except InvalidToken as exc:
        raise BotError(f"the Bot API at {where} rejected {ENV_TOKEN}: {exc}") from None
    except TelegramError as exc:
        raise BotError(f"cannot reach the Telegram Bot API at {where}: {exc}") from None


def run_application(
    application: Application, config: BotConfig, *, handle_signals: bool = True
) -> None:
    """Poll (or serve the webhook) on this thread's event loop until stopped.

    `handle_signals=False` leaves signals alone, for running off the main thread;
    `application.stop_running()` then stops it.
    """
    signals: dict[str, Any] = {} if handle_signals else {"stop_signals": None}
    where = config.api_base_url or "api.telegram.org"
    try:
        if config.webhook_url:
            if importlib.util.find_spec("tornado") is None:
                raise BotError(
                    "webhook mode needs python-telegram-bot's webhooks extra: "
                    "pip install 'python-telegram-bot[webhooks]'"
                )
            from bot.webhook import serve_webhook

            serve_webhook(
                application,
                listen=config.webhook_listen,
                port=config.webhook_port,
                path=urlparse(config.webhook_url).path,
                webhook_url=config.webhook_url,
                secret=config.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                handle_signals=handle_signals,
            )
        else:
            application.run_polling(
                poll_interval=0.0,
                timeout=POLL_TIMEOUT,
                allowed_updates=ALLOWED_UPDATES,
                **signals,
            )
    except InvalidToken as exc:
        raise BotError(f"the Bot API at {where} rejected {ENV_TOKEN}: {exc}") from None
    except TelegramError as exc:
        raise BotError(f"cannot reach the Telegram Bot API at {where}: {exc}") from None


def main(
    settings: Settings,
    *,
    webhook_url: str | None = None,
    webhook_port: int = DEFAULT_WEBHOOK_PORT,
    webhook_secret: str | None = None,
) -> None:
    """`advisor bot`: configure logging, read the environment, run until stopped."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per API call otherwise
    config = BotConfig.from_env(
        webhook_url=webhook_url, webhook_port=webhook_port, webhook_secret=webhook_secret
    )
    alert_config = settings.alerts  # ADVISOR_ALERT_TIME, ADVISOR_QUIET_HOURS, …
    run(
        config,
        lambda: open_services(settings),
        lambda conversation: open_alerts(settings, conversation),
        alert_config,
    )


def open_alerts(
    settings: Settings, conversation: Conversation
) -> AbstractContextManager[AlertService]:
    """The alert service over the conversation's user store and knowledge."""
    from advisor.wiring import open_alert_service

    return open_alert_service(settings, conversation)
