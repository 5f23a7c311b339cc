"""Tables of the accounts store and the small migration step that keeps them current.

The schema is SQLAlchemy Core so one definition serves SQLite (the default, a
file in ADVISOR_HOME) and PostgreSQL (a team's server by URL).

Natural keys make re-import idempotent: accounts by `account_id`; transactions
and events by `key`, which is `id:<transaction_id>` / `id:<event_id>` when the
export carries ids, else a content key built by the importer (see
`advisor.accounts.importer`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    cast,
    inspect,
    select,
)

from advisor.errors import AdvisorError

SCHEMA_VERSION = 2

metadata = MetaData()

schema_info = Table(
    "schema_info",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("owner", String(200)),
    Column("stage", String(20)),
    Column("expected_revenue", Float),
    # Kept as written (a number 0-1 or low/medium/high): segmentation interprets
    # it, so a changed threshold never needs a re-import.
    Column("intent", String(20)),
    Column("industry", Text),
    Column("region", Text),
)

transactions = Table(
    "transactions",
    metadata,
    Column("key", Text, primary_key=True),
    Column("account_id", String(200), nullable=False),
    Column("date", Date, nullable=False),
    Column("amount", Float, nullable=False),
    Column("quantity", Float),
    Column("product", Text),
    Index("ix_transactions_account_date", "account_id", "date"),
)

events = Table(
    "events",
    metadata,
    Column("key", Text, primary_key=True),
    Column("account_id", String(200), nullable=False),
    Column("date", Date, nullable=False),
    Column("type", String(32), nullable=False),
    Column("value", Float),
    Column("note", Text),
    Index("ix_events_account_date", "account_id", "date"),
)

DATA_TABLES = {"accounts": accounts, "transactions": transactions, "events": events}


class SchemaTooNewError(AdvisorError):
    """The database was written by a newer version of the advisor."""


def _v2_events_index(conn: Connection) -> None:
    # Version 1 had no index on events; briefs look events up per account.
    names = {ix["name"] for ix in inspect(conn).get_indexes("events")}
    for index in events.indexes:
        if index.name not in names:
            index.create(conn)


MIGRATIONS: dict[int, Callable[[Connection], None]] = {2: _v2_events_index}
"""Step that brings a database from version N-1 to N; run in order, one transaction."""


def _read_version(conn: Connection) -> int | None:
    if not inspect(conn).has_table("schema_info"):
        return None
    row = conn.execute(
        select(schema_info.c.value).where(schema_info.c.name == "version")
    ).scalar_one_or_none()
    return int(row) if row is not None else None


REVISION = "revision"
"""The `schema_info` row that every import which changed data moves on (see `bump_revision`)."""


IDENTITY = "store_id"
"""The `schema_info` row naming this database for good: a store deleted and made anew
starts its revisions from 0 again, so a revision alone cannot name its data."""


def _revision_rows(conn: Connection) -> dict[str, str]:
    """The revision and identity rows of `schema_info` that exist, by name."""
    return dict(
        conn.execute(
            select(schema_info.c.name, schema_info.c.value).where(
                schema_info.c.name.in_((REVISION, IDENTITY))
            )
        ).all()
    )


def _ensure_revision(conn: Connection) -> None:
    found = _revision_rows(conn)
    if REVISION not in found:
        conn.execute(schema_info.insert().values(name=REVISION, value="0"))
    if IDENTITY not in found:
        conn.execute(schema_info.insert().values(name=IDENTITY, value=uuid.uuid4().hex))


def read_revision(conn: Connection) -> str:
    """The store's data revision: one primary-key row, cheap to read on every request."""
    value = conn.execute(
        select(schema_info.c.value).where(schema_info.c.name == REVISION)
    ).scalar_one_or_none()
    return value or "0"


def read_data_token(conn: Connection) -> str:
    """The store's identity and data revision in one token: equal tokens, equal data."""
    found = _revision_rows(conn)
    return f"{found.get(IDENTITY, 'unnamed')}.{found.get(REVISION) or '0'}"


def bump_revision(conn: Connection) -> None:
    """Move the revision on, inside the importing transaction: readers that see the new
    data see the new revision, and a rolled-back import leaves both as they were.

    One UPDATE of the row by its own value, so two concurrent imports on PostgreSQL
    (which lock the row) each count.
    """
    conn.execute(
        schema_info.update()
        .where(schema_info.c.name == REVISION)
        .values(value=cast(cast(schema_info.c.value, Integer) + 1, String(200)))
    )


def _write_version(conn: Connection, version: int) -> None:
    conn.execute(schema_info.delete().where(schema_info.c.name == "version"))
    conn.execute(schema_info.insert().values(name="version", value=str(version)))


def ensure_schema(conn: Connection) -> int:
    """Create the tables on a fresh database, or migrate an older one; return the version."""
    version = _read_version(conn)
    if version is None:
        has_data = inspect(conn).has_table("accounts")
        metadata.create_all(conn)
        # A database with tables but no version row predates versioning: version 1.
        version = 1 if has_data else SCHEMA_VERSION
        if version == SCHEMA_VERSION:
            _write_version(conn, version)
            _ensure_revision(conn)
            return version
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"the accounts database has schema version {version}; this advisor knows "
            f"up to {SCHEMA_VERSION}: upgrade the advisor"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[target](conn)
        version = target
    _write_version(conn, version)
    _ensure_revision(conn)
    return version
