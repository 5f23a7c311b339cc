"""Webhook mode: a small tornado server that hands Telegram's updates to the application.

python-telegram-bot's own webhook server answers a body that is not JSON with
500, which tells the sender (and Telegram, which retries 5xx) that the bot is
broken; a malformed request is the sender's fault and gets 400 here. Everything
else is as in `Application.run_webhook`: the secret token is checked (403), the
update is put on `application.update_queue`, and the same start-up and shutdown
steps run in the same order (post_init, setWebhook, start … stop, post_stop,
shutdown, post_shutdown), on a loop that `Application.stop_running()` and
SIGINT/SIGTERM stop.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, bot_application: Application, secret: str | None) -> None:
        self.application_ = bot_application
        self.secret = secret

    async def post(self) -> None:
        if self.secret is not None:
            given = self.request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN, reason="wrong secret token")
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != "application/json":
            raise tornado.web.HTTPError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE, reason="expected application/json"
            )
        try:
            data = json.loads(self.request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="malformed JSON") from None
        if not isinstance(data, dict):
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="not an update")
        try:
            update = Update.de_json(data, self.application_.bot)
        except Exception:  # any shape python-telegram-bot cannot read is a bad request
            log.warning("webhook: an update that could not be read: %.200r", data)
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="not an update") from None
        await self.application_.update_queue.put(update)
        self.set_status(HTTPStatus.OK)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # A refused request is the sender's mistake: one line, no traceback.
        log.info("webhook: %s from %s", value, self.request.remote_ip)


async def _listen(
    application: Application, listen: str, port: int, path: str, secret: str | None
) -> tornado.httpserver.HTTPServer:
    app = tornado.web.Application(
        [
            (
                rf"/{path.strip('/')}/?",
                UpdateHandler,
                {"bot_application": application, "secret": secret},
            )
        ]
    )
    server = tornado.httpserver.HTTPServer(app)
    server.listen(port, address=listen)
    return server


def serve_webhook(
    application: Application,
    *,
    listen: str,
    port: int,
    path: str,
    webhook_url: str,
    secret: str | None,
    allowed_updates: Sequence[str],
    handle_signals: bool = True,
) -> None:
    """Serve the webhook on this thread's event loop until stopped."""
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    if handle_signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, loop.stop)
    server: tornado.httpserver.HTTPServer | None = None
    try:
        loop.run_until_complete(application.initialize())
        if application.post_init:
            loop.run_until_complete(application.post_init(application))
        server = loop.run_until_complete(_listen(application, listen, port, path, secret))
        loop.run_until_complete(
            application.bot.set_webhook(
                webhook_url, allowed_updates=list(allowed_updates), secret_token=secret
            )
        )
        loop.run_until_complete(application.start())
        log.info("webhook listening on %s:%d", listen, port)
        loop.run_forever()
    except (KeyboardInterrupt, SystemExit):
        log.debug("stop signal received")
    finally:
        try:
            if server is not None:
                server.stop()
                loop.run_until_complete(server.close_all_connections())
            if application.running:
                loop.run_until_complete(application.stop())
                if application.post_stop:
                    loop.run_until_complete(application.post_stop(application))
            loop.run_until_complete(application.shutdown())
            if application.post_shutdown:
                loop.run_until_complete(application.post_shutdown(application))
        finally:
            if handle_signals:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)
            loop.close()
