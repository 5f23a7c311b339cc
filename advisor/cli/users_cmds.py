"""`advisor users add|list|remove|alerts`: who may use the chat, and as whom."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from advisor.cli.common import account_store, echo_json, settings, user_store
from advisor.settings import Settings
from advisor.users.roles import Role, UserError

if TYPE_CHECKING:
    from advisor.users.store import User


@click.group("users")
def users_group() -> None:
    """Who may use the bot, and as whom (rep, manager or trainee)."""


@users_group.command("add")
@click.argument("telegram_id")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--owner", help="For a rep: the owner name of their accounts (accounts.csv).")
@click.pass_context
def users_add(ctx: click.Context, telegram_id: str, role: str, owner: str | None) -> None:
    """Let TELEGRAM_ID use the bot as a rep, manager or trainee (or change their role)."""
    cfg = settings(ctx)
    with user_store(cfg) as store:
        user = store.add(telegram_id, role, owner)
    click.echo(f"{user.user_id}: {_describe(user)}")
    if user.owner and user.owner not in _owners(cfg):
        click.echo(f"note: no account has owner '{user.owner}' yet", err=True)


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """Everyone who may use the bot."""
    with user_store(settings(ctx)) as store:
        users = store.all_users()
        alerts = store.alert_settings()
    if as_json:
        # The JSON shape is relied on by scripts; alert opt-outs show in the text listing.
        echo_json(
            [
                {
                    "telegram_id": u.user_id,
                    "role": u.role.value,
                    "owner": u.owner,
                    "lang": u.lang,
                }
                for u in users
            ]
        )
        return
    if not users:
        click.echo("no users yet: advisor users add TELEGRAM_ID --role rep|manager|trainee")
    for u in users:
        off = "" if alerts.get(u.user_id, True) else "  alerts=off"
        click.echo(
            f"{u.user_id:>12}  {_describe(u)}" + (f"  lang={u.lang}" if u.lang else "") + off
        )


@users_group.command("remove")
@click.argument("telegram_id")
@click.pass_context
def users_remove(ctx: click.Context, telegram_id: str) -> None:
    """Take TELEGRAM_ID's access away."""
    with user_store(settings(ctx)) as store:
        if not store.remove(telegram_id):
            raise UserError(f"no user {telegram_id}")
    click.echo(f"{telegram_id}: removed")


@users_group.command("alerts")
@click.argument("telegram_id")
@click.argument("state", type=click.Choice(["on", "off"]))
@click.pass_context
def users_alerts(ctx: click.Context, telegram_id: str, state: str) -> None:
    """Daily risk alerts (reps) and the weekly digest (managers) on or off for TELEGRAM_ID."""
    with user_store(settings(ctx)) as store:
        store.set_alerts(telegram_id, state == "on")
    click.echo(f"{telegram_id}: alerts {state}")


def _describe(user: User) -> str:
    return f"{user.role.value} ({user.owner})" if user.owner else user.role.value


def _owners(cfg: Settings) -> set[str]:

    with account_store(cfg) as store:
        return set(store.list_owners())


COMMANDS: list[click.Command] = [users_group]
