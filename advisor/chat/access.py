"""Who is asking and what they may see: the seams between the conversation and its stores.

A role maps to a `Scope` here and nowhere else: a manager sees every account, a
rep the accounts they own, a trainee none.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from advisor.answering.composer import Answer
from advisor.answering.service import Scope
from advisor.chat.text import Lang
from advisor.users.store import Exchange, Role, User

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from advisor.accounts.directory import AccountDirectory
    from advisor.answering.knowledge import KnowledgeBase
    from advisor.answering.understanding import Understanding
    from advisor.reports.gaps import GapLog


def scope_for(user: User) -> Scope:
    if user.role is Role.MANAGER:
        return Scope()
    if user.role is Role.REP and user.owner:
        return Scope(owner=user.owner)
    # A trainee, or a rep stored without an owner: `Scope(owner=None)` would mean
    # every account, so such a rep sees none.
    return Scope(accounts_allowed=False)


class Users(Protocol):
    """What the conversation needs from the user store."""

    def get(self, user_id: int) -> User | None: ...
    def set_language(self, user_id: int, lang: str | None) -> None: ...
    def record_exchange(
        self, user_id: int, question: str, language: str, account_id: str | None
    ) -> int: ...
    def exchange(self, exchange_id: int) -> Exchange | None: ...
    def record_feedback(self, exchange: Exchange, vote: int) -> None: ...
    def set_alerts(self, user_id: int, on: bool) -> None: ...
    def alerts_enabled(self, user_id: int) -> bool: ...
    def all_users(self) -> list[User]: ...


class AdvisorLike(Protocol):
    """The advisor as the conversation uses it (`advisor.answering.service.Advisor`)."""

    knowledge: KnowledgeBase
    accounts: AccountDirectory | None
    gaps: GapLog | None

    @property
    def has_accounts(self) -> bool: ...

    def ask(
        self,
        question: str,
        *,
        account_id: str | None = None,
        lang: str | None = None,
        scope: Scope = ...,
        follow_up: bool = ...,
    ) -> Answer: ...
    def resolve(self, account_id: str, scope: Scope = ...) -> str: ...
    def named(self, name: str, scope: Scope = ...) -> list[str]: ...
    def understand(
        self,
        question: str,
        *,
        account_id: str | None = None,
        lang: str | None = None,
        scope: Scope = ...,
    ) -> Understanding: ...


@dataclass(frozen=True)
class Asker:
    """An authorised user as the conversation sees them for one message."""

    user: User
    lang: Lang  # for menus and notices
    override: str | None  # the answer language they chose with /lang, else None

    @property
    def id(self) -> int:
        return self.user.user_id

    @property
    def scope(self) -> Scope:
        return scope_for(self.user)


@dataclass
class LocalUser:
    """The user store, plus one local user who is not in it (`advisor chat --role …`).

    The local user's language choice lasts for the session; everyone else's is
    stored.
    """

    store: Users
    user: User
    alerts: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, user_id: int) -> User | None:
        if user_id == self.user.user_id:
            return self.user
        return self.store.get(user_id)

    def set_language(self, user_id: int, lang: str | None) -> None:
        if user_id == self.user.user_id:
            with self._lock:
                self.user = replace(self.user, lang=lang)
            return
        self.store.set_language(user_id, lang)

    def record_exchange(
        self, user_id: int, question: str, language: str, account_id: str | None
    ) -> int:
        return self.store.record_exchange(user_id, question, language, account_id)

    def exchange(self, exchange_id: int) -> Exchange | None:
        return self.store.exchange(exchange_id)

    def record_feedback(self, exchange: Exchange, vote: int) -> None:
        self.store.record_feedback(exchange, vote)

    def set_alerts(self, user_id: int, on: bool) -> None:
        if user_id == self.user.user_id:
            self.alerts = on  # a terminal user gets no alerts; the choice lasts the session
            return
        self.store.set_alerts(user_id, on)

    def alerts_enabled(self, user_id: int) -> bool:
        if user_id == self.user.user_id:
            return self.alerts
        return self.store.alerts_enabled(user_id)

    def all_users(self) -> list[User]:
        return self.store.all_users()

    @property
    def engine(self) -> Engine | None:
        """The store's database (the quiz keeps its progress there too)."""
        return getattr(self.store, "engine", None)
