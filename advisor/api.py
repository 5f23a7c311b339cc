"""`advisor.open_advisor`: the advisor for a Python program, built by the wiring."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from advisor import wiring
from advisor.answering.service import Advisor
from advisor.settings import Settings


@contextmanager
def open_advisor(settings: Settings | None = None, *, accounts: bool = True) -> Iterator[Advisor]:
    """An Advisor over the knowledge index and (with `accounts`) the accounts store.

    `settings` default to the environment and `.env` (`Settings.from_env()`), as for
    the `advisor` command; a wrong value raises `advisor.errors.ConfigError`.
    """
    with wiring.open_advisor(settings or Settings.from_env(), accounts=accounts) as advisor:
        yield advisor
