"""`advisor ingest`, `search`, `eval retrieval`, `knowledge check`."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
