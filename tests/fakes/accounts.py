"""Builders of tiny hand-made portfolios for the accounts tests (imported by the tests)."""

from __future__ import annotations

import datetime as dt

import polars as pl

AS_OF = dt.date(2026, 10, 31)
# Window month index 0 = Nov 2025 ... 11 = Oct 2026 (the as-of month); -12 = Nov 2024.
WINDOW_START = (2025, 11)

TX_SCHEMA = {"account_id": pl.String, "date": pl.Date, "amount": pl.Float64}
EVENT_SCHEMA = {
    "key": pl.String,
    "account_id": pl.String,
    "date": pl.Date,
    "type": pl.String,
    "value": pl.Float64,
    "note": pl.String,
}
ACCOUNT_SCHEMA = {
    "account_id": pl.String,
    "name": pl.String,
    "owner": pl.String,
    "stage": pl.String,
    "expected_revenue": pl.Float64,
    "intent": pl.String,
}


def month_day(index: int, day: int = 15) -> dt.date:
    """A day in window month `index` (0 = Nov 2025, 11 = Oct 2026, negative = earlier)."""
    number = WINDOW_START[0] * 12 + WINDOW_START[1] - 1 + index
    return dt.date(number // 12, number % 12 + 1, day)


def tx(rows: list[tuple[str, dt.date | str, float]]) -> pl.DataFrame:
    parsed = [
        (a, dt.date.fromisoformat(d) if isinstance(d, str) else d, float(v)) for a, d, v in rows
    ]
    return pl.DataFrame(parsed, schema=TX_SCHEMA, orient="row")


def monthly(account: str, amounts: dict[int, float]) -> list[tuple[str, dt.date, float]]:
    """One purchase on the 15th of each given window month."""
    return [(account, month_day(i), v) for i, v in sorted(amounts.items()) if v]


def steady(
    account: str, amount: float, months: range = range(12)
) -> list[tuple[str, dt.date, float]]:
    return monthly(account, {i: amount for i in months})


def events(rows: list[tuple[str, dt.date | str, str, float | None, str | None]]) -> pl.DataFrame:
    parsed = [
        (f"e{i}", a, dt.date.fromisoformat(d) if isinstance(d, str) else d, t, v, n)
        for i, (a, d, t, v, n) in enumerate(rows)
    ]
    return pl.DataFrame(parsed, schema=EVENT_SCHEMA, orient="row")


def accounts(rows: list[tuple[str, str | None, float | None, str | None]]) -> pl.DataFrame:
    """(account_id, stage, expected_revenue, intent) rows; name = id, no owner."""
    parsed = [(a, a, None, s, e, i) for a, s, e, i in rows]
    return pl.DataFrame(parsed, schema=ACCOUNT_SCHEMA, orient="row")
