"""The one database engine behind the accounts, users, chat, alert and quiz tables.

SQLite in ADVISOR_HOME by default, PostgreSQL (or another server) by URL. The
stores take an engine; `advisor.wiring` opens one per process and hands it to
each of them, so that they share one connection pool and one SQLite set-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for a server or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def open_engine(url: str) -> Engine:
    """An engine on `url`: a SQLite file's folder is created and its connections set up.

    Raises what SQLAlchemy raises (`SQLAlchemyError`, `ImportError` for a missing
    driver, `ValueError`); each store names itself in the message it makes of it.
    """
    file = sqlite_file(url)
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        _sqlite_setup(engine)
    return engine


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<invalid database URL>"


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin,
        # so reads and writes of one import share one transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the importer
        cursor.execute("PRAGMA busy_timeout=10000")  # wait for another writer, don't fail
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL, much faster
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages: big imports touch many
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A write takes the lock up front: with a deferred BEGIN another writer
        # could commit between our reads and our writes (SQLITE_BUSY_SNAPSHOT).
        mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes. On SQLite it takes the write lock at BEGIN (IMMEDIATE):
    two writers then wait for each other (busy_timeout) instead of one failing with
    "database is locked" when it upgrades a read lock."""
    with engine.connect().execution_options(write=True) as conn, conn.begin():
        yield conn


def create_tables(engine: Engine, metadata: MetaData) -> None:
    """A store's tables, created when missing, under the write lock: processes starting
    side by side (bot replicas, a CLI command) wait for each other instead of failing."""
    with writing(engine) as conn:
        metadata.create_all(conn, checkfirst=True)
