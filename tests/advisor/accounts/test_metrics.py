"""Every per-account metric against numbers worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from advisor.accounts.metrics import Purchases, account_metrics, monthly_series, shift_months
from advisor.accounts.segmentation import segment_accounts
from tests.fakes.accounts import AS_OF, month_day, steady, tx


@pytest.fixture
def two_accounts() -> dict[str, dict]:
    rows = steady("A", 100.0) + [
        ("B", "2025-10-31", 50.0),  # before the window: history only
        ("B", "2025-11-03", 600.0),  # first day-ish of the window's first month
        ("B", "2026-10-31", 300.0),  # on the as-of date: counted
        ("B", "2026-11-01", 999.0),  # after as-of: ignored everywhere
    ]
    metrics = account_metrics(tx(rows), AS_OF)
    return {r["account_id"]: r for r in metrics.to_dicts()}


def test_steady_account_metrics(two_accounts: dict[str, dict]) -> None:
    a = two_accounts["A"]
    assert a["revenue"] == 1200.0
    assert a["active_months"] == 12
    assert a["monthly_cv"] == 0.0
    assert a["last_q"] == 300.0
    assert a["earlier_avg"] == 300.0  # 900 over three earlier quarters
    assert a["trend_ratio"] == 1.0
    assert a["last_q_months"] == 3
    # 15th to 15th: 30,31,31,28,31,30,31,30,31,31,30 days -> median 31
    assert a["median_gap_days"] == 31.0
    assert a["days_since_last"] == 16  # Oct 15 -> Oct 31
    assert a["purchase_days"] == 12
    assert a["first_purchase"] == dt.date(2025, 11, 15)
    assert a["last_purchase"] == dt.date(2026, 10, 15)
    assert a["history_months"] == 12
    assert a["year_ago_q"] == 0.0
    assert a["yoy_ratio"] is None


def test_window_edges_and_variation(two_accounts: dict[str, dict]) -> None:
    b = two_accounts["B"]
    assert b["revenue"] == 900.0  # 600 + 300; the 50 before and the 999 after are out
    assert b["active_months"] == 2
    # monthly: 600, ten zeros, 300 -> mean 75, population std sqrt(37500 - 5625)
    assert b["monthly_cv"] == pytest.approx(math.sqrt(31875) / 75)
    assert b["last_q"] == 300.0
    assert b["earlier_avg"] == pytest.approx(200.0)
    assert b["trend_ratio"] == pytest.approx(1.5)
    assert b["median_gap_days"] == 182.5  # gaps of 3 and 362 days
    assert b["days_since_last"] == 0
    assert b["year_ago_q"] == 50.0  # Aug-Oct 2025
    assert b["yoy_ratio"] == pytest.approx(6.0)
    assert b["history_months"] == 13  # Oct 2025 .. Oct 2026


def test_share_and_rank() -> None:
    rows = steady("A", 100.0) + [("B", "2025-11-03", 600.0), ("B", "2026-10-31", 300.0)]
    seg = segment_accounts(tx(rows), as_of=AS_OF)
    a, b = seg.row("A"), seg.row("B")
    assert a is not None and b is not None
    assert a["share"] == pytest.approx(1200 / 2100)
    assert b["share"] == pytest.approx(900 / 2100)
    assert (a["rank"], b["rank"]) == (1, 2)


def test_year_ago_trend_and_default_as_of() -> None:
    # Two years: the same months a year earlier held 30 against 90 a quarter before.
    amounts = {i: 30.0 for i in range(-12, 12)}
    for i in (-1, -2, -3, 9, 10, 11):  # Aug-Oct of both years lower
        amounts[i] = 10.0
    rows = [("S", month_day(i), v) for i, v in amounts.items()]
    seg = segment_accounts(tx(rows))  # as-of = latest transaction date
    assert seg.as_of == month_day(11)
    s = seg.row("S")
    assert s is not None
    assert s["last_q"] == 30.0
    assert s["year_ago_q"] == 30.0
    assert s["yoy_ratio"] == 1.0
    assert s["year_ago_trend"] == pytest.approx(30.0 / 90.0)


def test_zero_amount_lines_are_not_purchases() -> None:
    seg = segment_accounts(tx([("Z", "2026-10-01", 0.0), ("A", "2026-10-02", 5.0)]), as_of=AS_OF)
    z = seg.row("Z")
    assert z is not None
    assert z["last_purchase"] is None
    assert z["kind"] == "future"


def test_monthly_series_and_shift() -> None:
    rows = tx([("A", "2026-10-02", 5.0), ("A", "2025-10-10", 7.0), ("A", "2026-03-31", 2.0)])
    series = monthly_series(rows, "A", AS_OF, months=13)
    assert series[0] == (dt.date(2025, 10, 1), 7.0)
    assert series[-1] == (dt.date(2026, 10, 1), 5.0)
    assert dict(series)[dt.date(2026, 3, 1)] == 2.0
    assert len(series) == 13
    assert monthly_series(rows, "nobody", AS_OF, months=2) == [
        (dt.date(2026, 9, 1), 0.0),
        (dt.date(2026, 10, 1), 0.0),
    ]
    assert shift_months(dt.date(2026, 5, 31), -3) == dt.date(2026, 2, 28)
    assert shift_months(dt.date(2024, 5, 31), -3) == dt.date(2024, 2, 29)
    assert shift_months(dt.date(2026, 1, 15), -3) == dt.date(2025, 10, 15)


# Analysing now and a quarter ago prepares the transactions once (`Purchases`): the
# metrics at any as-of date must be those of the raw transactions up to that date.
_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D"]),
        st.integers(min_value=0, max_value=800),
        st.sampled_from([0.0, 10.0, 55.5, 300.0]),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=80, deadline=None)
@given(rows=_ROWS, back=st.integers(min_value=0, max_value=900))
@example(rows=[("A", 100, 10.0), ("A", 200, 10.0), ("A", 300, 10.0), ("B", 350, 0.0)], back=600)
def test_prepared_purchases_give_the_metrics_of_the_raw_transactions(rows, back) -> None:
    start = dt.date(2024, 8, 1)
    frame = tx([(a, (start + dt.timedelta(days=d)).isoformat(), amount) for a, d, amount in rows])
    as_of = start + dt.timedelta(days=800 - back)
    upto = frame.filter(pl.col("date") <= as_of)
    prepared = Purchases.of(frame)
    if upto.height == 0:
        assert account_metrics(prepared, as_of).height == 0
        return
    assert_frame_equal(
        account_metrics(prepared, as_of).sort("account_id"),
        account_metrics(upto, as_of).sort("account_id"),
    )
