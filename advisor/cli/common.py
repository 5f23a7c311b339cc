"""Helpers shared by the command modules."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from advisor.settings import Settings

if TYPE_CHECKING:
    from advisor.accounts.store import AccountStore
    from advisor.users.store import UserStore


def settings(ctx: click.Context) -> Settings:
    obj = ctx.find_root().obj
    assert isinstance(obj, Settings)
    return obj


def echo_json(document: Any) -> None:
    """Print exactly one JSON document on stdout."""
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def user_store(cfg: Settings) -> UserStore:
    # The database layer is loaded by the commands that use it, not by `--help`.
    from advisor.wiring import user_store as open_user_store

    return open_user_store(cfg)


def account_store(cfg: Settings) -> AccountStore:
    from advisor.wiring import account_store as open_account_store

    return open_account_store(cfg)
