"""The accounts store: SQLite in ADVISOR_HOME by default, PostgreSQL by URL.

Reads come back as polars DataFrames for the pure analytics functions; an
import is written in ONE transaction, so a failure or a killed process leaves
the store exactly as it was. An import that changes anything also moves the
store's revision in that transaction (`revision()`), so a long-running reader
can tell cheaply that it must reload.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import (
    Connection,
    Engine,
    String,
    Table,
    bindparam,
    func,
    select,
    type_coerce,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from advisor.accounts import schema
from advisor.accounts.purchase_cache import PURCHASE_COLUMNS, PURCHASE_SCHEMA, PurchaseCache
from advisor.database import open_engine, shown, sqlite_file
from advisor.errors import AdvisorError
from knowledge.progress import Progress, Step, silent

ACCOUNT_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "name": pl.String(),
    "owner": pl.String(),
    "stage": pl.String(),
    "expected_revenue": pl.Float64(),
    "intent": pl.String(),
    "industry": pl.String(),
    "region": pl.String(),
}
TRANSACTION_SCHEMA: dict[str, pl.DataType] = {
    "key": pl.String(),
    "account_id": pl.String(),
    "date": pl.Date(),
    "amount": pl.Float64(),
    "quantity": pl.Float64(),
    "product": pl.String(),
}
EVENT_SCHEMA: dict[str, pl.DataType] = {
    "key": pl.String(),
    "account_id": pl.String(),
    "date": pl.Date(),
    "type": pl.String(),
    "value": pl.Float64(),
    "note": pl.String(),
}
SCHEMAS = {"accounts": ACCOUNT_SCHEMA, "transactions": TRANSACTION_SCHEMA, "events": EVENT_SCHEMA}
KEYS = {"accounts": "account_id", "transactions": "key", "events": "key"}

_CHUNK = 20_000  # rows per executemany: bounded memory for 10M-row imports
_READ_BATCH = 500_000  # rows per fetch when reading purchases back
_IN_CHUNK = 500  # keys per IN (...) lookup, well under every driver's parameter limit


class StoreError(AdvisorError):
    """The accounts database could not be opened or written."""


@dataclass(frozen=True)
class TableCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class ImportBatch:
    """Validated rows to write. `columns` names, per table, the columns the file had:

    a column absent from the file is left as stored rather than blanked.
    """

    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)


class AccountStore:
    """Accounts, transactions and events behind one SQLAlchemy engine."""

    def __init__(
        self, url: str, cache_dir: Path | None = None, *, engine: Engine | None = None
    ) -> None:
        """`cache_dir` holds the columnar purchase cache of a database server; a SQLite
        file keeps its cache beside itself. `engine`: one already open on `url`, shared
        with the other stores (its opener closes it); by default the store opens its own."""
        self.url = url
        self._owns_engine = engine is None
        try:
            database = sqlite_file(url)
            self.cache = (
                None
                if make_url(url).get_backend_name() == "sqlite" and database is None
                else PurchaseCache.for_store(database, shown(url), cache_dir)
            )
            self.engine = open_engine(url) if engine is None else engine
            with self.engine.connect().execution_options(write=True) as conn, conn.begin():
                self.version = schema.ensure_schema(conn)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"cannot open the accounts database {shown(url)}: {exc}") from exc

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> AccountStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---- reads -------------------------------------------------------------

    def _frame(self, table: Table, name: str, where: Any = None) -> pl.DataFrame:
        wanted = SCHEMAS[name]
        # SQLite keeps dates as ISO text: fetch the text and let polars parse the
        # column at once, rather than SQLAlchemy converting row by row.
        text_dates = self.engine.dialect.name == "sqlite"
        columns = [
            type_coerce(table.c[c], String) if text_dates and t == pl.Date else table.c[c]
            for c, t in wanted.items()
        ]
        query = select(*columns)
        if where is not None:
            query = query.where(where)
        with self.engine.connect() as conn:
            if where is None and _plain_tuples(conn):
                # A whole table (100,000 accounts): the driver's own cursor gives
                # plain tuples at less than half the cost of SQLAlchemy's rows.
                cursor = conn.connection.driver_connection.cursor()
                try:
                    cursor.execute(str(query.compile(dialect=conn.dialect)))
                    rows = cursor.fetchall()
                finally:
                    cursor.close()
            else:
                rows = conn.execute(query).all()
        fetched = {
            c: (pl.String() if text_dates and t == pl.Date else t) for c, t in wanted.items()
        }
        frame = pl.DataFrame(rows, schema=fetched, orient="row")
        return frame.with_columns(
            pl.col(c).str.to_date("%Y-%m-%d")
            for c, t in wanted.items()
            if t == pl.Date and text_dates
        )

    def accounts(self) -> pl.DataFrame:
        return self._frame(schema.accounts, "accounts").sort("account_id")

    def transactions(self, account_id: str | None = None) -> pl.DataFrame:
        where = schema.transactions.c.account_id == account_id if account_id else None
        return self._frame(schema.transactions, "transactions", where)

    def purchases(self) -> pl.DataFrame:
        """account_id, date and amount of every transaction: what the analysis reads.

        From the columnar cache when it matches the store's data, else from the
        database by the driver's fastest path (and the cache is written).
        """
        token = self.data_token()
        if self.cache is not None:
            cached = self.cache.load(token)
            if cached is not None:
                return cached
        try:
            with self.engine.connect() as conn:
                frame = _read_purchases(conn)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the accounts database: {exc}") from exc
        # Saved only when no import committed during the read: the file must hold
        # exactly the data its token names.
        if self.cache is not None and self.data_token() == token:
            self.cache.save(frame, token)
        return frame

    def data_token(self) -> str:
        """The store's identity and data revision: equal tokens, equal data."""
        try:
            with self.engine.connect() as conn:
                return schema.read_data_token(conn)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the accounts database: {exc}") from exc

    def events(self, account_id: str | None = None) -> pl.DataFrame:
        where = schema.events.c.account_id == account_id if account_id else None
        return self._frame(schema.events, "events", where)

    def account_ids(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(select(schema.accounts.c.account_id)).scalars())

    def get_account(self, account_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    select(schema.accounts).where(schema.accounts.c.account_id == account_id)
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def list_owners(self) -> list[str]:
        with self.engine.connect() as conn:
            owners = conn.execute(
                select(schema.accounts.c.owner)
                .where(schema.accounts.c.owner.is_not(None))
                .distinct()
            ).scalars()
            return sorted(o for o in owners if o)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for name, table in schema.DATA_TABLES.items()
            }

    def revision(self) -> str:
        """A token that changes whenever an import changes the data (one indexed row).

        Long-running readers (the bot, `advisor chat`) compare it on each request and
        reload only when it moved.
        """
        try:
            with self.engine.connect() as conn:
                return schema.read_revision(conn)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the accounts database: {exc}") from exc

    def latest_transaction_date(self) -> dt.date | None:
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(schema.transactions.c.date))).scalar_one()

    # ---- writes ------------------------------------------------------------

    def write(self, batch: ImportBatch, progress: Progress = silent) -> dict[str, TableCounts]:
        """Upsert every table of the batch in one transaction; counts per table.
        `progress` is told of the rows stored."""
        result: dict[str, TableCounts] = {}
        step = progress(
            "rows stored", sum(f.height for f in batch.tables.values() if f is not None)
        )
        delta = _PurchaseDelta()
        after: str | None = None
        try:
            with self.engine.connect().execution_options(write=True) as conn, conn.begin():
                delta.was_empty = _is_empty(conn, schema.transactions)
                for name in ("accounts", "transactions", "events"):
                    frame = batch.tables.get(name)
                    if frame is None:
                        continue
                    columns = batch.columns.get(name) or list(SCHEMAS[name])
                    result[name] = self._upsert(conn, name, frame, columns, step, delta)
                if any(c.inserted or c.updated for c in result.values()):
                    schema.bump_revision(conn)
                    # Read after the bump, in this transaction: on PostgreSQL a
                    # concurrent import may have moved the revision since we began.
                    after = schema.read_data_token(conn)
        except SQLAlchemyError as exc:
            raise StoreError(f"import not stored (nothing was changed): {exc}") from exc
        finally:
            step.close()
        if after is not None and self.cache is not None:
            self.cache.advance(
                _previous(after), after, delta.added, delta.removed, was_empty=delta.was_empty
            )
        return result

    def _upsert(
        self,
        conn: Connection,
        name: str,
        frame: pl.DataFrame,
        columns: list[str],
        step: Step,
        delta: _PurchaseDelta,
    ) -> TableCounts:
        table = schema.DATA_TABLES[name]
        key = KEYS[name]
        frame = frame.select([c for c in SCHEMAS[name] if c in frame.columns])
        if frame.height == 0:
            return TableCounts()
        values = [c for c in columns if c != key and c in frame.columns]
        existing = self._existing(conn, table, name, frame[key], [key, *values])
        joined = frame.join(existing, on=key, how="left", suffix="__old", coalesce=True)
        is_new = joined["__present"].is_null()
        if values:
            differs = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}__old")) for c in values])
            changed = joined.select(differs.alias("d"))["d"] & ~is_new
        else:
            changed = pl.Series([False] * joined.height)
        # Inserting in key order appends to the primary-key B-tree instead of
        # splitting pages all over it (content keys start with account and date,
        # so the (account_id, date) index is filled in order too).
        new_rows = frame.filter(is_new).sort(key)
        changed_rows = frame.filter(changed)
        if name == "transactions":
            # The amount, date and account are required, so stored and new values
            # of every changed row are both at hand.
            delta.added = pl.concat(
                [new_rows.select(PURCHASE_COLUMNS), changed_rows.select(PURCHASE_COLUMNS)]
            )
            delta.removed = joined.filter(changed).select(
                pl.col(f"{c}__old").alias(c) for c in PURCHASE_COLUMNS
            )
        _bulk_insert(conn, table, new_rows, step)
        if changed_rows.height:
            statement = (
                table.update()
                .where(table.c[key] == bindparam(f"_{key}"))
                .values({c: bindparam(f"_{c}") for c in values})
            )
            for chunk in changed_rows.select([key, *values]).iter_slices(_CHUNK):
                conn.execute(
                    statement,
                    [{f"_{k}": v for k, v in row.items()} for row in chunk.to_dicts()],
                )
                step.advance(chunk.height)
        step.advance(frame.height - new_rows.height - changed_rows.height)
        return TableCounts(
            inserted=new_rows.height,
            updated=changed_rows.height,
            unchanged=frame.height - new_rows.height - changed_rows.height,
        )

    def _existing(
        self, conn: Connection, table: Table, name: str, keys: pl.Series, cols: list[str]
    ) -> pl.DataFrame:
        """Stored rows for these keys, with a `__present` marker column."""
        frame_schema = {c: SCHEMAS[name][c] for c in cols}
        key_col = table.c[KEYS[name]]
        query = select(*[table.c[c] for c in cols])
        stored = conn.execute(select(func.count()).select_from(table)).scalar_one()
        rows: list[Any] = []
        if stored == 0:
            pass
        elif keys.len() > 50_000 or keys.len() * 4 > stored:
            # Looking up most of the table key by key is slower than reading it.
            rows = list(conn.execute(query))
        else:
            for chunk in _chunks(keys.to_list(), _IN_CHUNK):
                rows.extend(conn.execute(query.where(key_col.in_(chunk))))
        found = pl.DataFrame(rows, schema=frame_schema, orient="row")
        renamed = found.rename({c: f"{c}__old" for c in cols if c != KEYS[name]})
        return renamed.with_columns(pl.lit(True).alias("__present"))


@dataclass
class _PurchaseDelta:
    """What an import did to the purchases, for the columnar cache."""

    added: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PURCHASE_SCHEMA))
    removed: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PURCHASE_SCHEMA))
    was_empty: bool = False


def _is_empty(conn: Connection, table: Table) -> bool:
    return conn.execute(select(table.c[KEYS[table.name]]).limit(1)).first() is None


def _previous(token: str) -> str:
    """The token of the revision before this one (revisions count up by one)."""
    identity, _, revision = token.rpartition(".")
    return f"{identity}.{int(revision) - 1}"


def _plain_tuples(conn: Connection) -> bool:
    """Whether the driver's cursor returns rows as plain tuples of the values
    the frame wants (SQLite's sqlite3, PostgreSQL's psycopg)."""
    return conn.dialect.name == "sqlite" or (
        conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"
    )


def _read_purchases(conn: Connection) -> pl.DataFrame:
    """The purchase columns of every transaction, by the driver's fastest path:
    PostgreSQL's COPY through psycopg, SQLite's cursor in large batches; other
    databases through SQLAlchemy."""
    sql = "SELECT account_id, date, amount FROM transactions"
    driver = conn.connection.driver_connection
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        buffer = bytearray()
        with driver.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
            for block in copy:
                buffer += block
        if not buffer:
            return pl.DataFrame(schema=PURCHASE_SCHEMA)
        return pl.read_csv(
            bytes(buffer),
            has_header=False,
            new_columns=list(PURCHASE_COLUMNS),
            schema=PURCHASE_SCHEMA,
        )
    if conn.dialect.name == "sqlite":
        cursor = driver.cursor()
        try:
            cursor.execute(sql)
            parts = []
            while rows := cursor.fetchmany(_READ_BATCH):
                parts.append(
                    pl.DataFrame(
                        rows,
                        orient="row",
                        schema={
                            "account_id": pl.String(),
                            "date": pl.String(),
                            "amount": pl.Float64(),
                        },
                    )
                )
        finally:
            cursor.close()
        if not parts:
            return pl.DataFrame(schema=PURCHASE_SCHEMA)
        frame = pl.concat(parts, rechunk=True)
        return frame.with_columns(pl.col("date").str.to_date("%Y-%m-%d"))
    rows = conn.execute(select(*(schema.transactions.c[c] for c in PURCHASE_COLUMNS))).all()
    return pl.DataFrame(rows, schema=PURCHASE_SCHEMA, orient="row")


def _bulk_insert(conn: Connection, table: Table, rows: pl.DataFrame, step: Step) -> None:
    """Insert a frame through the driver's executemany, in chunks.

    SQLAlchemy's per-row parameter processing cost more than SQLite itself on
    ten-million-row imports, so rows go to the driver as plain tuples. Dates
    are sent the way SQLAlchemy stores them on SQLite (ISO text) and as date
    objects elsewhere; drivers with other parameter styles take the Core path.
    """
    dialect = conn.dialect
    marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    if marker is None:
        for chunk in rows.iter_slices(_CHUNK):
            conn.execute(table.insert(), chunk.to_dicts())
            step.advance(chunk.height)
        return
    if dialect.name == "sqlite":
        rows = rows.with_columns(
            pl.col(c).dt.strftime("%Y-%m-%d") for c, t in rows.schema.items() if t == pl.Date
        )
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in rows.columns)}) "
        f"VALUES ({', '.join([marker] * rows.width)})"
    )
    for chunk in rows.iter_slices(_CHUNK):
        conn.exec_driver_sql(sql, chunk.rows())
        step.advance(chunk.height)


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
