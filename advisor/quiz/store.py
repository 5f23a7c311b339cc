"""Quiz progress in the accounts database: Leitner boxes and every question asked.

Tables of their own (`quiz_progress`, `quiz_answers`) in their own MetaData,
created with `checkfirst` on the engine the user store already opened, so a
restart loses nothing and the accounts schema is untouched. Times are stored in
UTC; SQLite gives them back without a zone, so they are read back as UTC.
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
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from advisor.database import create_tables, writing
from advisor.quiz.schedule import Item
from advisor.users.store import UserError

metadata = MetaData()

progress_table = Table(
    "quiz_progress",
    metadata,
    Column("telegram_id", BigInteger, key="user_id", primary_key=True, autoincrement=False),
    Column("card_id", String(200), primary_key=True),
    Column("box", SmallInteger, nullable=False),
    Column("due", DateTime(timezone=True), nullable=False),
    Column("seen", Integer, nullable=False),
    Column("correct", Integer, nullable=False),
    Column("last_at", DateTime(timezone=True)),
)

answers_table = Table(
    "quiz_answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("telegram_id", BigInteger, key="user_id", nullable=False, index=True),
    Column("question_id", String(300), nullable=False),
    Column("card_id", String(200), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("lang", String(16), nullable=False),
    Column("asked_at", DateTime(timezone=True), nullable=False),
    Column("answered_at", DateTime(timezone=True)),
    Column("choice", SmallInteger),
    Column("correct", Boolean),
)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@dataclass(frozen=True)
class Asked:
    """A question put to a user, answered or not yet."""

    id: int
    user_id: int
    question_id: str
    card_id: str
    topic: str
    lang: str
    asked_at: dt.datetime
    answered_at: dt.datetime | None
    choice: int | None
    correct: bool | None


@dataclass(frozen=True)
class Activity:
    user_id: int
    asked: int
    answers: int
    correct: int
    last_at: dt.datetime | None


class QuizStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        try:
            create_tables(engine, metadata)
        except SQLAlchemyError as exc:
            raise UserError(f"cannot create the quiz tables: {exc}") from exc

    # ---- Leitner boxes ---------------------------------------------------------

    def items(self, user_id: int) -> dict[str, Item]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(progress_table).where(progress_table.c.user_id == user_id)
            ).all()
        return {r.card_id: _item(r) for r in rows}

    def all_items(self) -> dict[int, dict[str, Item]]:
        out: dict[int, dict[str, Item]] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(select(progress_table)).all():
                out.setdefault(int(r.user_id), {})[r.card_id] = _item(r)
        return out

    # ---- questions asked and answered ------------------------------------------

    def ask(
        self,
        user_id: int,
        question_id: str,
        card_id: str,
        topic: str,
        lang: str,
        now: dt.datetime,
    ) -> int:
        with writing(self.engine) as conn:
            result = conn.execute(
                insert(answers_table).values(
                    user_id=user_id,
                    question_id=question_id,
                    card_id=card_id,
                    topic=topic,
                    lang=lang,
                    asked_at=now,
                )
            )
            return int(result.inserted_primary_key[0])

    def asked(self, asked_id: int) -> Asked | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(answers_table).where(answers_table.c.id == asked_id)).first()
        return _asked(row) if row is not None else None

    def pending(self, user_id: int) -> Asked | None:
        """The latest question put to the user and not answered yet."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(answers_table)
                .where(answers_table.c.user_id == user_id)
                .where(answers_table.c.answered_at.is_(None))
                .order_by(answers_table.c.id.desc())
                .limit(1)
            ).first()
        return _asked(row) if row is not None else None

    def set_lang(self, asked_id: int, lang: str) -> None:
        """The language a question is now shown in (its explanation follows it)."""
        with writing(self.engine) as conn:
            conn.execute(
                update(answers_table).where(answers_table.c.id == asked_id).values(lang=lang)
            )

    def answer(
        self, asked: Asked, choice: int, correct: bool, item: Item, now: dt.datetime
    ) -> bool:
        """Record the answer and the card's new box at once; False if it was already answered
        (a double tap, or a second device)."""
        with writing(self.engine) as conn:
            done = conn.execute(
                update(answers_table)
                .where(answers_table.c.id == asked.id)
                .where(answers_table.c.answered_at.is_(None))
                .values(answered_at=now, choice=choice, correct=correct)
            ).rowcount
            if not done:
                return False
            values = {
                "box": item.box,
                "due": item.due,
                "seen": item.seen,
                "correct": item.correct,
                "last_at": item.last_at,
            }
            changed = conn.execute(
                update(progress_table)
                .where(progress_table.c.user_id == asked.user_id)
                .where(progress_table.c.card_id == item.card_id)
                .values(**values)
            ).rowcount
            if not changed:
                conn.execute(
                    insert(progress_table).values(
                        user_id=asked.user_id, card_id=item.card_id, **values
                    )
                )
        return True

    def activity(self) -> dict[int, Activity]:
        """Per user: questions asked, answered, answered right, and when they last practised."""
        c = answers_table.c
        query = select(
            c.user_id,
            func.count(c.id).label("asked"),
            func.count(c.answered_at).label("n"),
            func.sum(func.coalesce(c.correct, False).cast(Integer)).label("right"),
            func.max(c.answered_at).label("last"),
        ).group_by(c.user_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {
            int(r.user_id): Activity(
                int(r.user_id), int(r.asked), int(r.n), int(r.right or 0), utc(r.last)
            )
            for r in rows
        }


def _item(row: Any) -> Item:
    due = utc(row.due)
    assert due is not None
    return Item(row.card_id, int(row.box), due, int(row.seen), int(row.correct), utc(row.last_at))


def _asked(row: Any) -> Asked:
    asked_at = utc(row.asked_at)
    assert asked_at is not None
    return Asked(
        int(row.id),
        int(row.user_id),
        row.question_id,
        row.card_id,
        row.topic,
        row.lang,
        asked_at,
        utc(row.answered_at),
        row.choice,
        row.correct,
    )
