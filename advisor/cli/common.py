"""Helpers shared by the command modules."""

from __future__ import annotations

import json
from typing import Any

import click

from advisor.settings import Settings


def settings(ctx: click.Context) -> Settings:
    obj = ctx.find_root().obj
    assert isinstance(obj, Settings)
    return obj


def echo_json(document: Any) -> None:
    """Print exactly one JSON document on stdout."""
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))
