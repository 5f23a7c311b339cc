"""Progress bars for the commands: on a terminal only, and never with --json."""

from __future__ import annotations

import sys

from knowledge.progress import Progress, silent, terminal_bars


def progress_bars(as_json: bool = False) -> Progress:
    """Bars on stderr when a person watches it; silence for pipes, logs and JSON."""
    if as_json or not sys.stderr.isatty():
        return silent
    return terminal_bars(sys.stderr)
