"""What the alert runs remember, in the accounts database: daily snapshots, the outbox,
and which (user, account, reason) was alerted when.

- `account_snapshots`: one JSON snapshot per local day, so "moved into risk" is
  computed against the day before, and the weekly digest against a week before.
- `alert_messages`: messages waiting for delivery (held through quiet hours,
  kept across a restart) and when each was sent.
- `alerts_sent`: one row per account and reason put in a message, for the
  de-duplication period.

Own MetaData, created with `checkfirst` on the user store's engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from advisor.alerts.rules import Snapshot
from advisor.database import create_tables, writing
from advisor.quiz.store import utc
from advisor.users.store import UserError

metadata = MetaData()

snapshots_table = Table(
    "account_snapshots",
    metadata,
    Column("taken_on", Date, primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("taken_at", DateTime(timezone=True), nullable=False),
    Column("data", Text, nullable=False),
)

messages_table = Table(
    "alert_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("telegram_id", BigInteger, key="user_id", nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # alert | digest
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("deliver_after", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False, default="pending"),  # pending|sent|dropped
)

sent_table = Table(
    "alerts_sent",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("telegram_id", BigInteger, key="user_id", nullable=False),
    Column("account_id", String(200), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("message_id", Integer),
)

SNAPSHOTS_KEPT = 60  # days of snapshots kept; the digest needs a week, the alerts a day


@dataclass(frozen=True)
class Outgoing:
    id: int
    user_id: int
    kind: str
    text: str


class AlertStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        try:
            create_tables(engine, metadata)
        except SQLAlchemyError as exc:
            raise UserError(f"cannot create the alert tables: {exc}") from exc

    # ---- snapshots ------------------------------------------------------------

    def save_snapshot(self, snapshot: Snapshot, now: dt.datetime) -> None:
        """Today's snapshot (a second run on the same day replaces it); old ones are pruned."""
        with writing(self.engine) as conn:
            conn.execute(
                delete(snapshots_table).where(snapshots_table.c.taken_on == snapshot.taken_on)
            )
            conn.execute(
                insert(snapshots_table).values(
                    taken_on=snapshot.taken_on,
                    as_of=snapshot.as_of,
                    taken_at=now,
                    data=snapshot.to_json(),
                )
            )
            cutoff = snapshot.taken_on - dt.timedelta(days=SNAPSHOTS_KEPT)
            conn.execute(delete(snapshots_table).where(snapshots_table.c.taken_on < cutoff))

    def snapshot_before(self, day: dt.date) -> Snapshot | None:
        """The latest snapshot taken before `day`."""
        return self._snapshot(snapshots_table.c.taken_on < day)

    def snapshot_on_or_before(self, day: dt.date) -> Snapshot | None:
        return self._snapshot(snapshots_table.c.taken_on <= day)

    def _snapshot(self, condition: object) -> Snapshot | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(snapshots_table.c.data)
                .where(condition)  # type: ignore[arg-type]
                .order_by(snapshots_table.c.taken_on.desc())
                .limit(1)
            ).first()
        return Snapshot.from_json(row.data) if row is not None else None

    # ---- de-duplication ---------------------------------------------------------

    def recently_alerted(self, user_id: int, since: dt.datetime) -> set[tuple[str, str]]:
        """(account, reason) pairs put in a message for the user since `since`."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(sent_table.c.account_id, sent_table.c.reason)
                .where(sent_table.c.user_id == user_id)
                .where(sent_table.c.sent_at >= since)
            ).all()
        return {(r.account_id, r.reason) for r in rows}

    def last_message(self, user_id: int, kind: str) -> dt.datetime | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(messages_table.c.created_at)
                .where(messages_table.c.user_id == user_id)
                .where(messages_table.c.kind == kind)
                .where(messages_table.c.status != "dropped")
                .order_by(messages_table.c.created_at.desc())
                .limit(1)
            ).first()
        return utc(row.created_at) if row is not None else None

    # ---- the outbox ---------------------------------------------------------------

    def queue(
        self,
        user_id: int,
        kind: str,
        text: str,
        now: dt.datetime,
        deliver_after: dt.datetime,
        about: Iterable[tuple[str, str]] = (),
    ) -> int:
        """A message for later delivery, and the (account, reason) pairs it covers."""
        with writing(self.engine) as conn:
            message_id = int(
                conn.execute(
                    insert(messages_table).values(
                        user_id=user_id,
                        kind=kind,
                        text=text,
                        created_at=now,
                        deliver_after=deliver_after,
                        status="pending",
                    )
                ).inserted_primary_key[0]
            )
            pairs = [
                {
                    "user_id": user_id,
                    "account_id": account_id,
                    "reason": reason,
                    "sent_at": now,
                    "message_id": message_id,
                }
                for account_id, reason in about
            ]
            if pairs:
                conn.execute(insert(sent_table), pairs)
        return message_id

    def due(self, now: dt.datetime) -> list[Outgoing]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(messages_table)
                .where(messages_table.c.status == "pending")
                .where(messages_table.c.deliver_after <= now)
                .order_by(messages_table.c.id)
            ).all()
        return [Outgoing(int(r.id), int(r.user_id), r.kind, r.text) for r in rows]

    def pending(self) -> list[Outgoing]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(messages_table)
                .where(messages_table.c.status == "pending")
                .order_by(messages_table.c.id)
            ).all()
        return [Outgoing(int(r.id), int(r.user_id), r.kind, r.text) for r in rows]

    def keep_rest(self, message_id: int, text: str) -> None:
        """A pending message of which only `text` is still to be sent."""
        with writing(self.engine) as conn:
            conn.execute(
                update(messages_table)
                .where(messages_table.c.id == message_id)
                .where(messages_table.c.status == "pending")
                .values(text=text)
            )

    def mark(self, message_id: int, status: str, now: dt.datetime) -> None:
        """`sent`, or `dropped` (the user opted out, or Telegram refuses the chat)."""
        with writing(self.engine) as conn:
            conn.execute(
                update(messages_table)
                .where(messages_table.c.id == message_id)
                .values(status=status, sent_at=now)
            )
