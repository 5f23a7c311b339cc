"""Per-account purchase metrics from raw transactions: the vectorised core.

One pass turns millions of transactions into a dense accounts × months matrix
(numpy bincount) plus one polars group-by for purchase gaps; everything else is
arithmetic on that matrix. Months are calendar months counted back from the
as-of month: column 0 is the as-of month (up to and including the as-of day),
column 1 the month before, and so on; the matrix holds two windows so the same
months a year earlier are at hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

QUARTER = 3


def month_number(date: dt.date) -> int:
    return date.year * 12 + date.month - 1


def month_start(number: int) -> dt.date:
    return dt.date(number // 12, number % 12 + 1, 1)


def shift_months(date: dt.date, months: int) -> dt.date:
    """The same day `months` later (negative: earlier), clamped to the month's end."""
    number = month_number(date) + months
    year, month = number // 12, number % 12 + 1
    following = month_start(number + 1)
    last_day = (following - dt.timedelta(days=1)).day
    return dt.date(year, month, min(date.day, last_day))


def encode_accounts(ids: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """Dense integer codes for account ids: (unique ids, code per row).

    A categorical cast with its own fresh category set numbers the ids 0..n-1
    in one multi-threaded pass; the set is dropped with the series.
    """
    categorical = ids.cast(pl.Categorical(pl.Categories.random()))
    codes = categorical.to_physical().to_numpy().astype(np.int64)
    uniques = categorical.dtype.categories.to_series()  # type: ignore[attr-defined]
    return uniques.alias("account_id"), codes


@dataclass(frozen=True)
class PurchaseDays:
    """Each account's distinct purchase days in order, as parallel arrays: the code,
    the day, whether it is the account's first, and the gap in days since the one
    before. The days of an account up to any date are a prefix of its days, so the
    arrays for an earlier as-of date are these, masked."""

    code: np.ndarray
    day: np.ndarray
    head: np.ndarray
    gap: np.ndarray

    @classmethod
    def of(cls, codes: np.ndarray, days: np.ndarray) -> PurchaseDays:
        # Sorting one packed int64 key (code, day) orders every account's days
        # without a per-group sort.
        if len(codes) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, np.zeros(0, dtype=bool), empty)
        base = int(days.min())
        key = codes.astype(np.int64)
        key <<= 32
        key |= days - base
        key.sort()  # in place: every fresh 80 MB array costs the kernel zeroed pages
        distinct = np.empty(len(key), dtype=bool)
        distinct[0] = True
        np.not_equal(key[1:], key[:-1], out=distinct[1:])
        key = key[distinct]
        code, day = key >> 32, (key & 0xFFFFFFFF) + base
        head = np.empty(len(code), dtype=bool)
        head[0] = True
        np.not_equal(code[1:], code[:-1], out=head[1:])
        gap = np.empty_like(day)
        gap[0] = 0
        np.subtract(day[1:], day[:-1], out=gap[1:])
        return cls(code, day, head, gap)

    def up_to(self, last_day: int) -> PurchaseDays:
        if not len(self.day) or self.day.max() <= last_day:
            return self
        keep = self.day <= last_day
        return PurchaseDays(self.code[keep], self.day[keep], self.head[keep], self.gap[keep])

    def summary(self, accounts: int) -> pl.DataFrame:
        """Per account code 0..accounts-1: first and last purchase day, distinct
        purchase days and the median gap between consecutive ones."""
        empty = pl.DataFrame({"code": np.arange(accounts, dtype=np.int64)})
        if len(self.code) == 0:
            return empty.with_columns(
                pl.lit(None, dtype=pl.Int64).alias("first_day"),
                pl.lit(None, dtype=pl.Int64).alias("last_day"),
                pl.lit(None, dtype=pl.Int64).alias("purchase_days"),
                pl.lit(None, dtype=pl.Float64).alias("median_gap_days"),
            ).drop("code")
        starts = np.flatnonzero(self.head)
        ends = np.append(starts[1:], len(self.code)) - 1
        gaps = (
            pl.DataFrame({"code": self.code, "gap": self.gap})
            .filter(~pl.Series(self.head))
            .group_by("code")
            .agg(pl.col("gap").median().alias("median_gap_days"))
        )
        found = pl.DataFrame(
            {
                "code": self.code[starts],
                "first_day": self.day[starts],
                "last_day": self.day[ends],
                "purchase_days": ends - starts + 1,
            }
        )
        return (
            empty.join(found, on="code", how="left", maintain_order="left")
            .join(gaps, on="code", how="left", maintain_order="left")
            .drop("code")
        )


_EPOCH_MONTH = 1970 * 12


def _month_numbers(day: np.ndarray) -> np.ndarray:
    """The calendar month (`month_number`) of each day (days since 1970).

    A lookup table over the few distinct days is far cheaper than converting
    ten million dates to calendar months one by one.
    """
    if len(day) == 0:
        return day.copy()
    first = int(day.min())
    span = np.arange(first, int(day.max()) + 1).astype("datetime64[D]")
    table = (_EPOCH_MONTH + span.astype("datetime64[M]").astype(np.int64)).astype(np.int32)
    return table[day - first]


@dataclass(frozen=True)
class Purchases:
    """Transactions made ready for metrics at any as-of date: account codes, days,
    calendar months and amounts as arrays, and the accounts' distinct purchase days.
    Analysing two dates (now and a quarter ago) encodes, sorts and converts ten
    million rows once, not twice."""

    ids: pl.Series  # account id of each code
    codes: np.ndarray
    days: np.ndarray  # days since 1970
    months: np.ndarray  # `month_number` of each day
    amounts: np.ndarray
    purchase_days: PurchaseDays  # of the rows with a positive amount

    @classmethod
    def of(cls, transactions: pl.DataFrame) -> Purchases:
        tx = transactions.select("account_id", "date", "amount")
        ids, codes = encode_accounts(tx["account_id"])
        amounts = tx["amount"].to_numpy()
        days = tx["date"].to_physical().to_numpy().astype(np.int64)
        bought = amounts > 0
        if bought.all():  # the usual case: skip two ten-million-row copies
            bought_days = PurchaseDays.of(codes, days)
        else:
            bought_days = PurchaseDays.of(codes[bought], days[bought])
        return cls(ids, codes, days, _month_numbers(days), amounts, bought_days)


def month_matrix(
    transactions: pl.DataFrame | Purchases, as_of: dt.date, months: int
) -> tuple[pl.Series, np.ndarray, pl.DataFrame]:
    """(account ids, revenue matrix [accounts × months], purchase-date summary per account).

    Only transactions on or before `as_of` count, and only accounts with one. Column
    0 is the as-of month. The summary has first and last purchase date, distinct
    purchase days and the median gap between them, over all history up to `as_of`;
    zero-amount lines are not purchases.
    """
    p = transactions if isinstance(transactions, Purchases) else Purchases.of(transactions)
    as_of_day = (as_of - dt.date(1970, 1, 1)).days
    upto = p.days <= as_of_day
    everything = bool(upto.all())
    codes = p.codes if everything else p.codes[upto]
    amounts = p.amounts if everything else p.amounts[upto]
    present = np.bincount(codes, minlength=len(p.ids)) > 0
    back = month_number(as_of) - (p.months if everything else p.months[upto])
    inside = back < months
    flat = codes * months + back
    weights = amounts
    if not inside.all():
        flat, weights = flat[inside], amounts[inside]
    matrix = np.bincount(flat, weights=weights, minlength=len(p.ids) * months).reshape(
        len(p.ids), months
    )
    summary = p.purchase_days.up_to(as_of_day).summary(len(p.ids))
    if present.all():
        return p.ids, matrix, summary
    kept = np.flatnonzero(present)
    return p.ids.gather(kept), matrix[kept], summary[kept]


def account_metrics(
    transactions: pl.DataFrame | Purchases, as_of: dt.date, window_months: int = 12
) -> pl.DataFrame:
    """One row per account that has any transaction up to `as_of`.

    Columns: revenue (window), active_months, monthly_cv (population std / mean
    of the window's monthly revenue, zero months included), last_q (last three
    months), earlier_avg (average quarter of the rest of the window),
    trend_ratio = last_q / earlier_avg, last_q_months (months bought in the last
    quarter), year_ago_q (the same three months a year earlier), yoy_ratio,
    year_ago_trend (that quarter against the quarters before it), history_months
    (months since the first purchase, counting the as-of month), first/last
    purchase, purchase_days, median_gap_days, days_since_last.
    """
    w = window_months
    span = 2 * w
    ids, m, dates = month_matrix(transactions, as_of, span)
    window = m[:, :w]
    revenue = window.sum(axis=1)
    active = (window > 0).sum(axis=1)
    mean = window.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(mean > 0, window.std(axis=1) / mean, np.nan)
        last_q = window[:, :QUARTER].sum(axis=1)
        earlier_avg = window[:, QUARTER:].sum(axis=1) * QUARTER / (w - QUARTER)
        trend = np.where(earlier_avg > 0, last_q / earlier_avg, np.nan)
        year_ago_q = m[:, w : w + QUARTER].sum(axis=1)
        yoy = np.where(year_ago_q > 0, last_q / year_ago_q, np.nan)
        year_ago_earlier = m[:, w + QUARTER : span].sum(axis=1) * QUARTER / (w - QUARTER)
        year_ago_trend = np.where(year_ago_earlier > 0, year_ago_q / year_ago_earlier, np.nan)
    epoch = dt.date(1970, 1, 1)
    as_of_day = (as_of - epoch).days
    out = pl.DataFrame(
        {
            "account_id": ids,
            "revenue": revenue,
            "active_months": active.astype(np.int64),
            "monthly_cv": cv,
            "last_q": last_q,
            "earlier_avg": earlier_avg,
            "trend_ratio": trend,
            "last_q_months": (window[:, :QUARTER] > 0).sum(axis=1).astype(np.int64),
            "year_ago_q": year_ago_q,
            "yoy_ratio": yoy,
            "year_ago_trend": year_ago_trend,
        }
    ).with_columns(
        pl.col(c).fill_nan(None)
        for c in ("monthly_cv", "trend_ratio", "yoy_ratio", "year_ago_trend")
    )
    out = pl.concat([out, dates], how="horizontal")
    first = pl.col("first_day")
    return out.with_columns(
        pl.lit(as_of_day).sub(pl.col("last_day")).alias("days_since_last"),
        pl.from_epoch(first, time_unit="d").alias("first_purchase"),
        pl.from_epoch(pl.col("last_day"), time_unit="d").alias("last_purchase"),
        (
            pl.lit(month_number(as_of))
            - (
                pl.from_epoch(first, time_unit="d").dt.year().cast(pl.Int64) * 12
                + pl.from_epoch(first, time_unit="d").dt.month().cast(pl.Int64)
                - 1
            )
            + 1
        ).alias("history_months"),
        pl.col("median_gap_days").cast(pl.Float64),
    ).drop("first_day", "last_day")


def monthly_series(
    transactions: pl.DataFrame, account_id: str, as_of: dt.date, months: int = 24
) -> list[tuple[dt.date, float]]:
    """(month start, revenue) for one account, oldest first, ending with the as-of month."""
    tx = transactions.filter(pl.col("account_id") == account_id)
    end = month_number(as_of)
    totals = {number: 0.0 for number in range(end - months + 1, end + 1)}
    if tx.height:
        _, m, _ = month_matrix(tx, as_of, months)
        for back in range(months):
            totals[end - back] = float(m[0, back])
    return [(month_start(number), value) for number, value in sorted(totals.items())]
