"""`advisor import`: validate CRM/ERP CSV exports, then store them all or nothing.

Every bad row is reported as `FILE:LINE: reason` (physical lines, header = 1;
the first MAX_LISTED rows listed, all counted) and then nothing is stored.

Natural keys make re-import idempotent and let newer exports update rows:

- accounts: `account_id`;
- transactions: `transaction_id` when the file has it, else a content key:
  account, date, amount (in cents), quantity, product, plus the occurrence
  number of that identical row within the file (two identical orders on one
  day are two transactions; importing the same file again adds none);
- events: `event_id` when present, else account, date, type, value, note and
  the occurrence number, likewise.

"Unknown account" means in neither this import's accounts file nor the store.

Account ids, names and owners, record ids, and the account ids transactions
and events name are normalised first (NFKC, invisible and control characters
removed, see `advisor.accounts.normalise`); two spellings in one file that
become the same id, or an id that becomes one already stored under another
spelling, are refused as look-alikes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from advisor.accounts.csvfile import LINE, CsvTable, CsvUnreadable, Problem, read_table
from advisor.accounts.normalise import clean, clean_series, shown
from advisor.accounts.store import AccountStore, ImportBatch, TableCounts
from advisor.errors import AdvisorError, ImportRowsError
from knowledge.progress import Progress, silent

MAX_LISTED = 50
STAGES = ("existing", "prospect", "future")
INTENT_LABELS = ("low", "medium", "high")
EVENT_TYPES = (
    "complaint",
    "resolved",
    "overdue",
    "competitor_offer",
    "satisfaction",
    "visit",
    "lost",
)
REQUIRED = {
    "accounts": ("account_id", "name"),
    "transactions": ("account_id", "date", "amount"),
    "events": ("account_id", "date", "type"),
}
OPTIONAL = {
    "accounts": ("owner", "stage", "expected_revenue", "intent", "industry", "region"),
    "transactions": ("transaction_id", "quantity", "product"),
    "events": ("event_id", "value", "note"),
}
_DATE_SHAPE = r"^\d{4}-\d{2}-\d{2}$"
CLEANED = {
    "accounts": ("account_id", "name", "owner"),
    "transactions": ("account_id", "transaction_id"),
    "events": ("account_id", "event_id"),
}
# The largest number an import takes. Amounts are keyed in cents and quantities in
# thousandths as 64-bit integers, and a double holds whole numbers exactly only up
# to 2**53 (about 9.007e15): 1e13 keeps every key exact with room to spare, and is
# far beyond any single order, debt or forecast.
MAX_NUMBER = 1e13
RAW, SHOWN = "_raw_", "_shown_"  # a cleaned column's text as written, and quoted for messages


@dataclass
class ImportResult:
    """What an import changed, per table."""

    counts: dict[str, TableCounts] = field(default_factory=dict)

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {name: counts.as_dict() for name, counts in self.counts.items()}


def import_files(
    store: AccountStore,
    *,
    accounts: Path | None = None,
    transactions: Path | None = None,
    events: Path | None = None,
    progress: Progress = silent,
) -> ImportResult:
    """Validate the given exports against each other and the store, then upsert them.

    Raises ImportRowsError (nothing stored) when any row is bad. `progress` is told
    of the rows stored.
    """
    if accounts is None and transactions is None and events is None:
        raise AdvisorError("nothing to import: give --accounts, --transactions or --events")
    batch = parse_files(
        accounts=accounts, transactions=transactions, events=events, known_ids=store.account_ids
    )
    return ImportResult(store.write(batch, progress))


def parse_files(
    *,
    accounts: Path | None = None,
    transactions: Path | None = None,
    events: Path | None = None,
    known_ids: Callable[[], Iterable[str]] = frozenset,
) -> ImportBatch:
    """Read and validate the files; `known_ids()` returns the account ids already stored.

    Pure apart from reading the files: returns the rows to write or raises
    ImportRowsError listing every bad row.
    """
    problems: list[Problem] = []
    tables: dict[str, CsvTable] = {}
    for name, path in (("accounts", accounts), ("transactions", transactions), ("events", events)):
        if path is None:
            continue
        try:
            table = read_table(Path(path), str(path))
        except CsvUnreadable as exc:
            problems.extend(exc.problems)
            continue
        missing = [c for c in REQUIRED[name] if c not in table.columns]
        if missing:
            problems.extend(
                Problem(table.file, 1, f"missing required column '{c}'") for c in missing
            )
            continue
        tables[name] = _normalised(table, name)

    batch = ImportBatch()
    account_ids: pl.Series | None = None
    stored = pl.Series([], dtype=pl.String)
    # With an unreadable accounts file every row would look "unknown": skip that check.
    if accounts is None or "accounts" in tables:
        stored = pl.Series(sorted(known_ids()), dtype=pl.String)
        in_file = tables["accounts"].frame["account_id"] if "accounts" in tables else stored.head(0)
        account_ids = pl.concat([in_file, stored]).unique()

    if "accounts" in tables:
        frame, bad = _accounts(tables["accounts"], _look_alikes(stored))
        problems.extend(bad)
        batch.tables["accounts"], batch.columns["accounts"] = frame, _present("accounts", tables)
    if "transactions" in tables:
        frame, bad = _transactions(tables["transactions"], account_ids)
        problems.extend(bad)
        batch.tables["transactions"] = frame
        batch.columns["transactions"] = _stored_columns("transactions", tables)
    if "events" in tables:
        frame, bad = _events(tables["events"], account_ids)
        problems.extend(bad)
        batch.tables["events"] = frame
        batch.columns["events"] = _stored_columns("events", tables)

    if problems:
        order = {str(p): i for i, p in enumerate(x for x in (accounts, transactions, events) if x)}
        problems.sort(key=lambda p: (order.get(p.file, 99), p.line, p.reason))
        raise ImportRowsError([str(p) for p in problems[:MAX_LISTED]], total=len(problems))
    return batch


def _present(name: str, tables: dict[str, CsvTable]) -> list[str]:
    columns = tables[name].columns
    return [*REQUIRED[name], *(c for c in OPTIONAL[name] if c in columns)]


def _stored_columns(name: str, tables: dict[str, CsvTable]) -> list[str]:
    """Columns an update may overwrite: the key, the required ones and the optional
    ones the file has; a newer export without `product` keeps the stored product."""
    ids = {"transactions": "transaction_id", "events": "event_id"}
    return ["key", *(c for c in _present(name, tables) if c != ids[name])]


# ---- shared expressions ------------------------------------------------------


def _col(frame: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name) if name in frame.columns else pl.lit("")


def _required(name: str) -> pl.Expr:
    return pl.when(pl.col(name) == "").then(pl.lit(f"missing required field '{name}'"))


def _number(name: str, *, allow_empty: bool, expr: pl.Expr | None = None) -> list[pl.Expr]:
    """Reasons for a text column that must hold a non-negative number of at most MAX_NUMBER.

    A written infinity is not a number; digits too many for a double (`1e400`) are a
    number too large.
    """
    text = expr if expr is not None else pl.col(name)
    value = text.cast(pl.Float64, strict=False)
    present = text != ""
    written_infinity = text.str.to_lowercase().str.contains("inf", literal=True)
    not_number = value.is_null() | value.is_nan() | (value.is_infinite() & written_infinity)
    number = present & ~not_number
    checks = [
        pl.when(present & not_number).then(pl.format(f"{name} '{{}}' is not a number", text)),
        pl.when(number & (value < 0)).then(pl.format(f"{name} {{}} is negative", text)),
        pl.when(number & (value > MAX_NUMBER)).then(
            pl.format(f"{name} {{}} is too large (at most {MAX_NUMBER:,.0f})", text)
        ),
    ]
    if not allow_empty:
        checks.insert(0, _required(name))
    return checks


def _date_checks() -> list[pl.Expr]:
    text = pl.col("date")
    parsed = text.str.to_date("%Y-%m-%d", strict=False)
    year = text.str.slice(0, 4).cast(pl.Int32, strict=False)
    bad = (text != "") & (
        ~text.str.contains(_DATE_SHAPE) | parsed.is_null() | (year < 1900) | (year > 2999)
    )
    return [
        _required("date"),
        pl.when(bad).then(pl.format("date '{}' is not a valid date (YYYY-MM-DD)", text)),
    ]


def _normalised(table: CsvTable, name: str) -> CsvTable:
    """The table with its ids and names cleaned; each id column's text as written is kept
    (`_raw_<column>`) and quoted for messages with invisible characters spelled out
    (`_shown_<column>`)."""
    present = [c for c in CLEANED[name] if c in table.columns]
    frame = table.frame.with_columns(
        *(pl.col(c).alias(RAW + c) for c in present),
        *(clean_series(table.frame[c]) for c in present),
    )
    return CsvTable(table.file, frame.with_columns(_shown(frame, c) for c in present))


def _shown(frame: pl.DataFrame, column: str) -> pl.Expr:
    raw = pl.col(RAW + column)
    differing = frame.filter(raw != pl.col(column))[RAW + column].unique().to_list()
    quoted = pl.format("'{}'", raw)
    if differing:  # usually none: spelled out in Python only for those few
        spelled = raw.replace_strict({r: shown(r) for r in differing}, default=quoted)
        quoted = pl.when(raw != pl.col(column)).then(spelled).otherwise(quoted)
    return quoted.alias(SHOWN + column)


def _look_alikes(stored: pl.Series) -> dict[str, str]:
    """Stored ids that cleaning would change (imported before ids were cleaned):
    cleaned id -> the stored id quoted for messages."""
    frame = pl.DataFrame({"raw": stored}).with_columns(clean(pl.col("raw")).alias("id"))
    exact = set(stored.to_list())
    return {
        cleaned: shown(raw)
        for raw, cleaned in frame.filter(pl.col("raw") != pl.col("id")).iter_rows()
        if cleaned not in exact
    }


def _duplicate(frame: pl.DataFrame, column: str, label: str, source: str) -> list[pl.Expr]:
    """A repeated id, and two spellings of one id once cleaned (look-alikes).

    `source` is the file's column `column` was cleaned from; rows are in line order.
    """
    if RAW + source not in frame.columns:  # no such column: no ids to repeat
        return []
    first = pl.col(LINE).min().over(column)
    raw = pl.col(RAW + source)
    first_raw = raw.first().over(column)
    first_shown = pl.col(SHOWN + source).first().over(column)
    named = pl.col(column) != ""
    return [
        pl.when(named & (pl.col(LINE) != first) & (raw == first_raw)).then(
            pl.format(f"duplicate {label} '{{}}' (first on line {{}})", pl.col(column), first)
        ),
        pl.when(named & (raw != first_raw)).then(
            pl.format(
                f"{label} {{}} is the same id as {{}} on line {{}} once invisible and "
                "look-alike characters are removed",
                pl.col(SHOWN + source),
                first_shown,
                first,
            )
        ),
    ]


def _unknown(account_ids: pl.Series | None) -> list[pl.Expr]:
    if account_ids is None:
        return []
    known = pl.col("account_id").is_in(account_ids.implode())
    return [
        pl.when((pl.col("account_id") != "") & ~known).then(
            pl.format(
                "unknown account '{}' (not in the accounts file nor the store)",
                pl.col("account_id"),
            )
        )
    ]


def _stored_look_alike(look_alikes: dict[str, str]) -> list[pl.Expr]:
    if not look_alikes:
        return []
    stored = pl.col("account_id").replace_strict(look_alikes, default=None)
    return [
        pl.when(pl.col("account_id").is_in(list(look_alikes))).then(
            pl.format(
                "account_id {} is the same id as the stored account {} once invisible and "
                "look-alike characters are removed",
                pl.col(SHOWN + "account_id"),
                stored,
            )
        )
    ]


def _problems(table: CsvTable, frame: pl.DataFrame, checks: list[pl.Expr]) -> list[Problem]:
    reasons = pl.concat_list([c.otherwise(pl.lit(None, dtype=pl.String)) for c in checks])
    flagged = frame.select(
        pl.col(LINE), reasons.list.drop_nulls().list.join("; ").alias("reason")
    ).filter(pl.col("reason") != "")
    return [Problem(table.file, int(line), reason) for line, reason in flagged.iter_rows()]


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr == "").then(None).otherwise(expr)


def _natural_key(content: pl.Expr) -> pl.Expr:
    """`id:<id>` when the export carries an id, else the row's content plus how many
    identical rows came before it in the file (two identical orders stay two)."""
    return (
        pl.when(pl.col("_id") != "")
        .then(pl.lit("id:") + pl.col("_id"))
        .otherwise(pl.lit("k:") + content + pl.lit("|") + _occurrence(content))
    )


def _occurrence(content: pl.Expr) -> pl.Expr:
    # 1 for the first identical row in the file, 2 for the second, ...
    return (pl.int_range(pl.len()).over(content) + 1).cast(pl.String)


# ---- per table -----------------------------------------------------------------


def _accounts(
    table: CsvTable, look_alikes: dict[str, str] | None = None
) -> tuple[pl.DataFrame, list[Problem]]:
    f = table.frame.with_columns(
        _col(table.frame, "stage").str.to_lowercase().alias("_stage"),
        _col(table.frame, "intent").str.to_lowercase().alias("_intent"),
        _col(table.frame, "expected_revenue").alias("_expected"),
    )
    intent_number = pl.col("_intent").cast(pl.Float64, strict=False)
    checks = [
        _required("account_id"),
        _required("name"),
        *_duplicate(f, "account_id", "account_id", "account_id"),
        *_stored_look_alike(look_alikes or {}),
        pl.when((pl.col("_stage") != "") & ~pl.col("_stage").is_in(STAGES)).then(
            pl.format("stage '{}' must be existing, prospect or future", pl.col("_stage"))
        ),
        pl.when(
            (pl.col("_intent") != "")
            & ~pl.col("_intent").is_in(INTENT_LABELS)
            & ~intent_number.is_between(0.0, 1.0).fill_null(False)
        ).then(pl.format("intent '{}' must be a number 0-1 or low/medium/high", pl.col("_intent"))),
        *_number("expected_revenue", allow_empty=True, expr=pl.col("_expected")),
    ]
    problems = _problems(table, f, checks)
    out = f.select(
        pl.col("account_id"),
        pl.col("name"),
        _blank_to_null(_col(f, "owner")).alias("owner"),
        _blank_to_null(pl.col("_stage")).alias("stage"),
        _blank_to_null(pl.col("_expected"))
        .cast(pl.Float64, strict=False)
        .alias("expected_revenue"),
        _blank_to_null(pl.col("_intent")).alias("intent"),
        _blank_to_null(_col(f, "industry")).alias("industry"),
        _blank_to_null(_col(f, "region")).alias("region"),
    )
    return out, problems


def _transactions(
    table: CsvTable, account_ids: pl.Series | None
) -> tuple[pl.DataFrame, list[Problem]]:
    f = table.frame.with_columns(
        _col(table.frame, "transaction_id").alias("_id"),
        _col(table.frame, "quantity").alias("_quantity"),
        _col(table.frame, "product").alias("_product"),
    )
    checks = [
        _required("account_id"),
        *_date_checks(),
        *_number("amount", allow_empty=False),
        *_number("quantity", allow_empty=True, expr=pl.col("_quantity")),
        *_unknown(account_ids),
        *_duplicate(f, "_id", "transaction_id", "transaction_id"),
    ]
    problems = _problems(table, f, checks)
    if problems:
        return f.head(0), problems
    amount = pl.col("amount").cast(pl.Float64)
    quantity = _blank_to_null(pl.col("_quantity")).cast(pl.Float64)
    content = pl.concat_str(
        [
            pl.col("account_id"),
            pl.col("date"),
            (amount * 100).round(0).cast(pl.Int64).cast(pl.String),
            (quantity * 1000).round(0).cast(pl.Int64).cast(pl.String).fill_null(""),
            pl.col("_product"),
        ],
        separator="|",
    )
    key = _natural_key(content)
    out = f.select(
        key.alias("key"),
        pl.col("account_id"),
        pl.col("date").str.to_date("%Y-%m-%d"),
        amount.alias("amount"),
        quantity.alias("quantity"),
        _blank_to_null(pl.col("_product")).alias("product"),
    )
    return out, problems


def _events(table: CsvTable, account_ids: pl.Series | None) -> tuple[pl.DataFrame, list[Problem]]:
    f = table.frame.with_columns(
        _col(table.frame, "event_id").alias("_id"),
        pl.col("type").str.to_lowercase().alias("_type"),
        _col(table.frame, "value").alias("_value"),
        _col(table.frame, "note").alias("_note"),
    )
    value = pl.col("_value").cast(pl.Float64, strict=False)
    satisfaction = pl.col("_type") == "satisfaction"
    checks = [
        _required("account_id"),
        *_date_checks(),
        _required("type"),
        pl.when((pl.col("_type") != "") & ~pl.col("_type").is_in(EVENT_TYPES)).then(
            pl.format(
                f"unknown event type '{{}}' (expected one of: {', '.join(EVENT_TYPES)})",
                pl.col("type"),
            )
        ),
        pl.when(satisfaction & ~(value.is_in([1.0, 2.0, 3.0, 4.0, 5.0]).fill_null(False))).then(
            pl.format("satisfaction value must be 1-5, got '{}'", pl.col("_value"))
        ),
        # A satisfaction score has its own check above; other values are amounts.
        *_number(
            "value",
            allow_empty=True,
            expr=pl.when(satisfaction).then(pl.lit("")).otherwise(pl.col("_value")),
        ),
        *_unknown(account_ids),
        *_duplicate(f, "_id", "event_id", "event_id"),
    ]
    problems = _problems(table, f, checks)
    if problems:
        return f.head(0), problems
    value_out = _blank_to_null(pl.col("_value")).cast(pl.Float64)
    content = pl.concat_str(
        [
            pl.col("account_id"),
            pl.col("date"),
            pl.col("_type"),
            (value_out * 1000).round(0).cast(pl.Int64).cast(pl.String).fill_null(""),
            pl.col("_note"),
        ],
        separator="|",
    )
    key = _natural_key(content)
    out = f.select(
        key.alias("key"),
        pl.col("account_id"),
        pl.col("date").str.to_date("%Y-%m-%d"),
        pl.col("_type").alias("type"),
        value_out.alias("value"),
        _blank_to_null(pl.col("_note")).alias("note"),
    )
    return out, problems
