"""What the conversation remembers, kept in the user store's database so that any bot
process can serve any update (several replicas behind one webhook, or a restart).

- `chat_contexts`: per user, the account and question last talked about and the
  language last written in. The account and question expire after `ttl` seconds
  of inactivity (30 minutes); the language is kept.
- `answer_cache`: what the buttons under an answer need (its sources, tactics and
  situations) by exchange id, for `ttl` seconds; older answers are rebuilt on demand.
- `reply_outbox`: replies the bot could not deliver yet, tried again later by the
  bot's outbox job. A process claims a reply for a while before sending it, so two
  replicas never send it twice.

Own MetaData, created with `checkfirst` on the user store's engine (SQLite or
PostgreSQL). Times are seconds from the conversation's clock, a wall clock by
default, so that processes agree on them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from advisor.answering.composer import Answer, Citation, PlanItem
from advisor.chat.reply import Button, Reply, TextFormat
from advisor.chat.state import Clock, Context
from advisor.database import create_tables, writing
from advisor.users.store import UserError
from knowledge.search.index import Record

metadata = MetaData()

contexts_table = Table(
    "chat_contexts",
    metadata,
    Column("telegram_id", BigInteger, key="user_id", primary_key=True, autoincrement=False),
    Column("account_id", String(200)),
    Column("question", Text),
    Column("language", String(16)),
    Column("at", Float, nullable=False),
)

answers_table = Table(
    "answer_cache",
    metadata,
    Column("exchange_id", Integer, primary_key=True, autoincrement=False),
    Column("data", Text, nullable=False),
    Column("at", Float, nullable=False, index=True),
)

outbox_table = Table(
    "reply_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False, index=True),
    Column("reply", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("deliver_after", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_until", Float),
)


def _conversation_tables(engine: Engine) -> None:
    try:
        create_tables(engine, metadata)
    except SQLAlchemyError as exc:
        raise UserError(f"cannot create the conversation tables: {exc}") from exc


def _upsert(conn: Any, table: Table, key: str, values: dict[str, Any]) -> None:
    """Insert the row, or update it when one with the same key exists."""
    dialect = conn.engine.dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        statement = dialect_insert(table).values(**values)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c[key]], set_={k: v for k, v in values.items() if k != key}
            )
        )
        return
    done = conn.execute(update(table).where(table.c[key] == values[key]).values(**values))
    if not done.rowcount:
        conn.execute(insert(table).values(**values))


class ContextStore:
    """`Contexts` (advisor.chat.state) in the database: same methods, same expiry."""

    def __init__(self, engine: Engine, clock: Clock, ttl: float = 30 * 60) -> None:
        self.engine = engine
        self.clock = clock
        self.ttl = ttl
        _conversation_tables(engine)

    def _read(self, conn: Any, user_id: int) -> Context | None:
        row = conn.execute(
            select(contexts_table).where(contexts_table.c.user_id == user_id)
        ).first()
        if row is None:
            return None
        return Context(row.account_id, row.question, row.language, float(row.at))

    def _fresh(self, item: Context | None) -> Context:
        if item is None:
            return Context()
        if self.clock() - item.at > self.ttl:
            return Context(language=item.language, at=item.at)
        return item

    def get(self, user_id: int) -> Context:
        with self.engine.connect() as conn:
            return self._fresh(self._read(conn, user_id))

    def update(self, user_id: int, **changes: str | None) -> Context:
        """Set some fields and mark the user active now."""
        with writing(self.engine) as conn:
            current = self._fresh(self._read(conn, user_id))
            item = replace(current, **changes, at=self.clock())  # type: ignore[arg-type]
            _upsert(
                conn,
                contexts_table,
                "user_id",
                {
                    "user_id": user_id,
                    "account_id": item.account_id,
                    "question": item.question,
                    "language": item.language,
                    "at": item.at,
                },
            )
            return item

    def reset(self, user_id: int) -> None:
        with writing(self.engine) as conn:
            conn.execute(
                update(contexts_table)
                .where(contexts_table.c.user_id == user_id)
                .values(account_id=None, question=None)
            )


class AnswerStore:
    """`AnswerCache` in the database: what the buttons need of an answer, for `ttl` seconds."""

    def __init__(self, engine: Engine, clock: Clock, ttl: float = 30 * 60) -> None:
        self.engine = engine
        self.clock = clock
        self.ttl = ttl
        _conversation_tables(engine)

    def put(self, key: int, value: Answer) -> None:
        now = self.clock()
        with writing(self.engine) as conn:
            conn.execute(delete(answers_table).where(answers_table.c.at < now - self.ttl))
            _upsert(
                conn,
                answers_table,
                "exchange_id",
                {"exchange_id": key, "data": answer_to_json(value), "at": now},
            )

    def get(self, key: int) -> Answer | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(answers_table).where(answers_table.c.exchange_id == key)
            ).first()
        if row is None or self.clock() - float(row.at) > self.ttl:
            return None
        return answer_from_json(row.data)


@dataclass(frozen=True)
class Queued:
    """A reply waiting in the outbox."""

    id: int
    chat_id: int
    reply: Reply
    created_at: float
    attempts: int


class ReplyOutbox:
    """Replies that could not be delivered yet, oldest first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        _conversation_tables(engine)

    def put(
        self, chat_id: int, reply: Reply, now: float, deliver_after: float | None = None
    ) -> int:
        with writing(self.engine) as conn:
            result = conn.execute(
                insert(outbox_table).values(
                    chat_id=chat_id,
                    reply=reply_to_json(reply),
                    created_at=now,
                    deliver_after=now if deliver_after is None else deliver_after,
                    attempts=0,
                )
            )
            return int(result.inserted_primary_key[0])

    def claim(
        self, now: float, lease: float, chat_id: int | None = None, limit: int = 50
    ) -> list[Queued]:
        """Replies due now (with `chat_id`: all of that chat's, due or not, since the chat
        is active), each claimed for `lease` seconds: another process claiming meanwhile
        does not get them. A claim that was never settled runs out."""
        free = or_(outbox_table.c.claimed_until.is_(None), outbox_table.c.claimed_until < now)
        query = select(outbox_table).where(free).order_by(outbox_table.c.id).limit(limit)
        if chat_id is not None:
            query = query.where(outbox_table.c.chat_id == chat_id)
        else:
            query = query.where(outbox_table.c.deliver_after <= now)
        claimed = []
        with writing(self.engine) as conn:
            for row in conn.execute(query).all():
                taken = conn.execute(
                    update(outbox_table)
                    .where(outbox_table.c.id == row.id)
                    .where(free)
                    .values(claimed_until=now + lease)
                ).rowcount
                if taken:
                    claimed.append(
                        Queued(
                            int(row.id),
                            int(row.chat_id),
                            reply_from_json(row.reply),
                            float(row.created_at),
                            int(row.attempts),
                        )
                    )
        return claimed

    def done(self, message_id: int) -> None:
        """Delivered (or given up): it leaves the outbox."""
        with writing(self.engine) as conn:
            conn.execute(delete(outbox_table).where(outbox_table.c.id == message_id))

    def retry(self, message_id: int, rest: Reply, deliver_after: float) -> None:
        """Not delivered again: what is left of it waits until `deliver_after`."""
        with writing(self.engine) as conn:
            conn.execute(
                update(outbox_table)
                .where(outbox_table.c.id == message_id)
                .values(
                    reply=reply_to_json(rest),
                    deliver_after=deliver_after,
                    claimed_until=None,
                    attempts=outbox_table.c.attempts + 1,
                )
            )

    def pending(self, chat_id: int | None = None) -> int:
        query = select(outbox_table.c.id)
        if chat_id is not None:
            query = query.where(outbox_table.c.chat_id == chat_id)
        with self.engine.connect() as conn:
            return len(conn.execute(query).all())


# ---- JSON codecs --------------------------------------------------------------------


def reply_to_json(reply: Reply) -> str:
    """A reply as JSON (a notice and a keyboard change belong to a button press: not kept)."""
    return json.dumps(
        {
            "parts": list(reply.parts),
            "format": reply.format.value,
            "photo": str(reply.photo) if reply.photo is not None else None,
            "caption": reply.caption,
            "buttons": [[[b.label, b.data] for b in row] for row in reply.buttons],
        },
        ensure_ascii=False,
    )


def reply_from_json(data: str) -> Reply:
    raw = json.loads(data)
    return Reply(
        tuple(raw["parts"]),
        TextFormat(raw["format"]),
        photo=Path(raw["photo"]) if raw.get("photo") else None,
        caption=raw.get("caption"),
        buttons=tuple(
            tuple(Button(label, value) for label, value in row) for row in raw["buttons"]
        ),
    )


def _item(raw: dict[str, Any]) -> PlanItem:
    return PlanItem(
        **{
            **raw,
            "steps": tuple(raw["steps"]),
            "citations": tuple(raw["citations"]),
            "addresses": tuple(raw.get("addresses", ())),
        }
    )


def answer_to_json(answer: Answer) -> str:
    """What the buttons under an answer use: its citations, tactics and situations."""
    return json.dumps(
        {
            "text": answer.text,
            "language": answer.language,
            "account_id": answer.account_id,
            "segment": answer.segment,
            "known": answer.known,
            "situations": list(answer.situations),
            "tactics": [asdict(t) for t in answer.tactics],
            "citations": [
                {
                    "number": c.number,
                    "card": c.card,
                    "passage": {
                        "id": c.passage.id,
                        "kind": c.passage.kind,
                        "text": c.passage.text,
                        "language": c.passage.language,
                        "source": c.passage.source,
                        "heading": c.passage.heading,
                    },
                }
                for c in answer.citations
            ],
        },
        ensure_ascii=False,
    )


def answer_from_json(data: str) -> Answer:
    raw = json.loads(data)
    return Answer(
        raw["text"],
        raw["language"],
        account_id=raw["account_id"],
        segment=raw["segment"],
        known=raw["known"],
        situations=tuple(raw["situations"]),
        tactics=tuple(_item(t) for t in raw["tactics"]),
        citations=tuple(
            Citation(c["number"], Record(**c["passage"]), c["card"]) for c in raw["citations"]
        ),
    )
