"""Who a user is to the advisor: a rep, a manager or a trainee.

Apart from the user store so that the command line can list the roles without
loading the database layer.
"""

from __future__ import annotations

import enum

from advisor.errors import AdvisorError


class UserError(AdvisorError):
    """A bad role, Telegram id, owner or language, or the user store failed."""


class Role(enum.StrEnum):
    REP = "rep"
    MANAGER = "manager"
    TRAINEE = "trainee"

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls(value.strip().lower())
        except ValueError:
            choices = ", ".join(r.value for r in cls)
            raise UserError(f"unknown role '{value}': choose one of {choices}") from None
