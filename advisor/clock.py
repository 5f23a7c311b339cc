"""The wall clock the stores and runs default to; tests pass their own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    """Now, timezone-aware in UTC: what every stored timestamp is written in."""
    return dt.datetime.now(dt.UTC)
