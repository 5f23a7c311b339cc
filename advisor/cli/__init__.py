"""The `advisor` console script: one click group, one module per concern.

Each command module exposes `COMMANDS`; this module adds them to the group and
turns domain errors into a one-line message and a non-zero exit.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from advisor.errors import USER_ERRORS
from advisor.settings import Settings


class AdvisorGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=AdvisorGroup)
@click.version_option(
    package_name="retention-advisor", prog_name="advisor", message="%(prog)s %(version)s"
)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Key-account retention advisor."""
    ctx.obj = Settings.from_env()


def _register() -> None:
    from importlib.metadata import entry_points

    from advisor.cli import (
        accounts_cmds,
        advisor_cmds,
        chat_cmds,
        defector_cmds,
        knowledge_cmds,
        learning_cmds,
        users_cmds,
    )

    for module in (
        knowledge_cmds,
        accounts_cmds,
        advisor_cmds,
        chat_cmds,
        defector_cmds,
        learning_cmds,
        users_cmds,
    ):
        for command in module.COMMANDS:
            main.add_command(command)
    # Edges that depend on the advisor (the Telegram bot) add their commands as
    # plugins, so advisor/ never imports them.
    for entry in entry_points(group="advisor.commands"):
        main.add_command(entry.load())


_register()
