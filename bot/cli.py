"""`advisor bot`: registered by this package as an `advisor.commands` entry point.

The `advisor` CLI lives in advisor/ and must not import the Telegram edge
(imports flow bot → advisor); it loads the commands that installed packages
declare under the `advisor.commands` entry-point group instead.
"""

from __future__ import annotations

import click

from advisor.cli.common import settings


@click.command("bot")
@click.option(
    "--webhook-url",
    metavar="URL",
    help="Receive updates on this public HTTPS URL instead of long polling.",
)
@click.option(
    "--webhook-port",
    type=int,
    default=8443,
    show_default=True,
    help="With --webhook-url: the local port to listen on.",
)
@click.option(
    "--webhook-secret",
    metavar="TOKEN",
    help="With --webhook-url: the secret Telegram sends back with every update "
    "(default: TELEGRAM_WEBHOOK_SECRET, else a random one per run).",
)
@click.pass_context
def bot_cmd(
    ctx: click.Context, webhook_url: str | None, webhook_port: int, webhook_secret: str | None
) -> None:
    """The Telegram bot (TELEGRAM_BOT_TOKEN; TELEGRAM_API_BASE_URL for a self-hosted Bot API)."""
    # python-telegram-bot and the advisor load when the bot starts, not for `advisor --help`.
    from bot import app

    app.main(
        settings(ctx),
        webhook_url=webhook_url,
        webhook_port=webhook_port,
        webhook_secret=webhook_secret,
    )
