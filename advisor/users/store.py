"""Who may use the chat, as whom, in which language, and what they thought of the answers.

Stored with SQLAlchemy Core in the same database as the accounts store
(`Settings.db_url`), in tables of its own (`users`, `exchanges`, `feedback`,
`user_settings`) created with `checkfirst`, so the accounts schema and its migrations are
untouched. Roles are granted only here (by `advisor users add`): nothing a user
writes in the chat can change one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from advisor.clock import Clock, utcnow
from advisor.database import create_tables, open_engine, shown, writing
from advisor.i18n.languages import LANGUAGES
from advisor.users.roles import Role, UserError

MAX_TELEGRAM_ID = 2**53  # Telegram promises ids fit in a double-precision float


@dataclass(frozen=True)
class User:
    user_id: int
    role: Role
    owner: str | None = None  # a rep's name as written in accounts.csv `owner`
    lang: str | None = None  # chosen with /lang; None follows each question's language


@dataclass(frozen=True)
class Exchange:
    """One question and the language it was answered in (for buttons and feedback)."""

    id: int
    user_id: int
    question: str
    language: str
    account_id: str | None


@dataclass(frozen=True)
class Feedback:
    user_id: int
    question: str
    language: str
    account_id: str | None
    vote: int  # +1 helpful, -1 not helpful
    at: dt.datetime


metadata = MetaData()

users_table = Table(
    "users",
    metadata,
    Column("telegram_id", BigInteger, key="user_id", primary_key=True, autoincrement=False),
    Column("role", String(16), nullable=False),
    Column("owner", String(200)),
    Column("lang", String(8)),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

exchanges_table = Table(
    "exchanges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("telegram_id", BigInteger, key="user_id", nullable=False, index=True),
    Column("question", Text, nullable=False),
    Column("language", String(16), nullable=False),
    Column("account_id", String(200)),
    Column("at", DateTime(timezone=True), nullable=False),
)

feedback_table = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("exchange_id", Integer, index=True),
    Column("telegram_id", BigInteger, key="user_id", nullable=False),
    Column("question", Text, nullable=False),
    Column("language", String(16), nullable=False),
    Column("account_id", String(200)),
    Column("vote", SmallInteger, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# Per-user switches in a table of their own, so the `users` table of an existing
# database needs no migration. A user without a row has every default (alerts on).
settings_table = Table(
    "user_settings",
    metadata,
    Column("telegram_id", BigInteger, key="user_id", primary_key=True, autoincrement=False),
    Column("alerts", Boolean, nullable=False, default=True),
)


def check_user_id(value: int | str) -> int:
    """A user id (on Telegram, the user's Telegram id): a positive integer."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise UserError(f"'{value}' is not a Telegram id (a positive number)") from None
    if not 0 < number < MAX_TELEGRAM_ID:
        raise UserError(f"'{value}' is not a Telegram id (a positive number)")
    return number


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise UserError(f"unknown language '{lang}': choose one of {', '.join(LANGUAGES)}")
    return lang


class UserStore:
    """Users, their language, the questions they asked and their 👍/👎."""

    def __init__(self, url: str, *, now: Clock = utcnow, engine: Engine | None = None) -> None:
        """`engine`: one already open on `url`, shared with the other stores (its opener
        closes it); by default the store opens its own."""
        self.url = url
        self._now = now
        self._owns_engine = engine is None
        try:
            self.engine = open_engine(url) if engine is None else engine
            create_tables(self.engine, metadata)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            safe = shown(url) if "://" in url else url
            raise UserError(f"cannot open the user store {safe}: {exc}") from exc

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> UserStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---- users ---------------------------------------------------------------

    def add(self, user_id: int | str, role: Role | str, owner: str | None = None) -> User:
        """Add a user or change their role; a rep needs the owner name of their accounts."""
        number = check_user_id(user_id)
        role = role if isinstance(role, Role) else Role.parse(role)
        owner = (owner or "").strip() or None
        if role is Role.REP and owner is None:
            raise UserError("a rep needs --owner: the owner name of their accounts")
        if role is not Role.REP and owner is not None:
            raise UserError(f"--owner is for reps only (a {role.value} has no owner)")
        with writing(self.engine) as conn:
            existing = conn.execute(
                select(users_table.c.lang).where(users_table.c.user_id == number)
            ).first()
            if existing is None:
                conn.execute(
                    insert(users_table).values(
                        user_id=number, role=role.value, owner=owner, added_at=self._now()
                    )
                )
                lang = None
            else:
                conn.execute(
                    update(users_table)
                    .where(users_table.c.user_id == number)
                    .values(role=role.value, owner=owner)
                )
                lang = existing.lang
        return User(number, role, owner, lang)

    def get(self, user_id: int) -> User | None:
        with self.engine.connect() as conn:
            query = select(users_table).where(users_table.c.user_id == user_id)
            row = conn.execute(query).first()
        return _user(row) if row is not None else None

    def all_users(self) -> list[User]:
        with self.engine.connect() as conn:
            query = select(users_table).order_by(users_table.c.role, users_table.c.user_id)
            rows = conn.execute(query).all()
        return [_user(r) for r in rows]

    def remove(self, user_id: int | str) -> bool:
        number = check_user_id(user_id)
        with writing(self.engine) as conn:
            query = delete(users_table).where(users_table.c.user_id == number)
            return conn.execute(query).rowcount > 0

    def set_language(self, user_id: int, lang: str | None) -> None:
        """Remember the user's language (None: follow each question's language)."""
        if lang is not None:
            check_language(lang)
        with writing(self.engine) as conn:
            conn.execute(
                update(users_table).where(users_table.c.user_id == user_id).values(lang=lang)
            )

    # ---- alerts --------------------------------------------------------------

    def set_alerts(self, user_id: int | str, on: bool) -> None:
        """Daily risk alerts (reps) and the weekly digest (managers) on or off for a user."""
        number = check_user_id(user_id)
        if self.get(number) is None:
            raise UserError(f"no user {number}: add them first with advisor users add")
        with writing(self.engine) as conn:
            done = conn.execute(
                update(settings_table).where(settings_table.c.user_id == number).values(alerts=on)
            ).rowcount
            if not done:
                conn.execute(insert(settings_table).values(user_id=number, alerts=on))

    def alerts_enabled(self, user_id: int) -> bool:
        return self.alert_settings().get(user_id, True)

    def alert_settings(self) -> dict[int, bool]:
        """Users who changed the default, with their choice (everyone else: alerts on)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(settings_table)).all()
        return {int(r.user_id): bool(r.alerts) for r in rows}

    # ---- questions and feedback --------------------------------------------

    def record_exchange(
        self, user_id: int, question: str, language: str, account_id: str | None
    ) -> int:
        with writing(self.engine) as conn:
            result = conn.execute(
                insert(exchanges_table).values(
                    user_id=user_id,
                    question=question,
                    language=language,
                    account_id=account_id,
                    at=self._now(),
                )
            )
            return int(result.inserted_primary_key[0])

    def exchange(self, exchange_id: int) -> Exchange | None:
        with self.engine.connect() as conn:
            query = select(exchanges_table).where(exchanges_table.c.id == exchange_id)
            row = conn.execute(query).first()
        if row is None:
            return None
        return Exchange(row.id, row.user_id, row.question, row.language, row.account_id)

    def record_feedback(self, exchange: Exchange, vote: int) -> None:
        """A 👍 (+1) or 👎 (-1) on an answer; pressing again replaces the earlier vote."""
        if vote not in (1, -1):
            raise UserError("a vote is +1 or -1")
        values = {
            "exchange_id": exchange.id,
            "user_id": exchange.user_id,
            "question": exchange.question,
            "language": exchange.language,
            "account_id": exchange.account_id,
            "vote": vote,
            "at": self._now(),
        }
        with writing(self.engine) as conn:
            done = conn.execute(
                update(feedback_table)
                .where(feedback_table.c.exchange_id == exchange.id)
                .where(feedback_table.c.user_id == exchange.user_id)
                .values(vote=vote, at=values["at"])
            ).rowcount
            if not done:
                conn.execute(insert(feedback_table).values(**values))

    def all_feedback(self) -> list[Feedback]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(feedback_table).order_by(feedback_table.c.id)).all()
        return [
            Feedback(r.user_id, r.question, r.language, r.account_id, r.vote, r.at) for r in rows
        ]


def _user(row: Any) -> User:
    return User(int(row.user_id), Role(row.role), row.owner, row.lang)
