"""The shipped sample portfolio: deterministic, complete, and its named stories hold."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import polars as pl
import pytest

from advisor.accounts.importer import EVENT_TYPES
from advisor.accounts.portfolio import (
    PortfolioAnalysis,
    monthly_revenue,
)
from advisor.accounts.sample import sample_dir, write_sample
from advisor.accounts.segmentation import SEGMENTS
from advisor.accounts.store import AccountStore


def codes(sample: PortfolioAnalysis, account_id: str) -> dict[str, str]:
    return {r.code: r.severity for r in sample.risks.get(account_id, [])}


def test_shipped_files_are_what_the_generator_writes() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        written = write_sample(Path(tmp))
        for name, path in written.items():
            assert path.read_bytes() == (sample_dir() / f"{name}.csv").read_bytes(), name


def test_shape_of_the_sample(sample_store: AccountStore, sample: PortfolioAnalysis) -> None:
    counts = sample_store.counts()
    assert 280 <= counts["accounts"] <= 320
    assert counts["transactions"] > 5000
    tx = sample_store.transactions()
    assert tx["date"].min() == dt.date(2024, 11, 1) and tx["date"].max() == dt.date(2026, 10, 31)
    assert set(sample_store.events()["type"].unique()) == set(EVENT_TYPES)
    assert sample_store.list_owners() == [
        "chen.jing",
        "kim.minji",
        "lee.junho",
        "smith.anna",
        "wang.lei",
    ]
    assert sample.as_of == dt.date(2026, 10, 31)
    present = {r["segment"] for r in sample.rows()}
    assert present == set(SEGMENTS)
    names = sample_store.accounts()["name"].to_list()
    assert any("\uac00" <= ch <= "\ud7a3" for n in names for ch in n)  # Hangul
    assert any("\u4e00" <= ch <= "\u9fff" for n in names for ch in n)  # Han


def test_abc_trading_partial_defection(sample: PortfolioAnalysis) -> None:
    record = sample.account("A001")
    assert record["name"] == "ABC Trading"
    assert (record["previous_segment"], record["segment"], record["alarm"]) == ("EI", "EII", True)
    risks = codes(sample, "A001")
    assert risks["partial_defection"] == "high"
    assert risks["competitor_offer"] == "high"
    assert "sharp_decline" in risks
    assert record["metrics"]["trend_ratio"] < 0.5


@pytest.mark.parametrize(
    ("account_id", "segment", "risk"),
    [
        ("A002", "EI", None),
        ("A003", "EII", "unresolved_complaint"),
        ("A004", "EI", "overdue_payment"),
        ("A005", "EIV", "lapsed"),
        ("A007", "EII", "lost"),
        ("A008", "EI", "low_satisfaction"),
        ("A009", "PI", None),
        ("A010", "PII", "competitor_offer"),
        ("A011", "F", None),
    ],
)
def test_named_stories(
    sample: PortfolioAnalysis, account_id: str, segment: str, risk: str | None
) -> None:
    assert sample.account(account_id)["segment"] == segment
    risks = codes(sample, account_id)
    if risk is None:
        assert not [c for c, s in risks.items() if s != "info"]
    else:
        assert risk in risks


def test_big_seller_big_debtor(sample: PortfolioAnalysis) -> None:
    overdue = next(r for r in sample.risks["A004"] if r.code == "overdue_payment")
    assert overdue.severity == "high"
    assert "big debtor" in overdue.evidence()


def test_beer_dealer_winter_dip_is_not_a_decline(sample: PortfolioAnalysis) -> None:
    row = sample.now.row("A006")
    assert row is not None and row["trend_ratio"] < 0.5  # a deep dip against the summer
    assert row["stable"] and row["seasonal_dip"]
    assert codes(sample, "A006") == {"off_season_dip": "info"}
    assert sample.account("A006")["segment"] in ("EI", "EIII")


def test_every_record_renders_in_every_language(sample: PortfolioAnalysis) -> None:
    for lang in ("en", "ko", "zh"):
        records = sample.records(lang)
        assert len(records) == len(sample.rows())
        assert all(r["reasons"] for r in records)


def test_monthly_revenue(sample_store: AccountStore) -> None:
    series = monthly_revenue(sample_store, "A006")
    assert len(series) == 24
    assert series[0][0] == dt.date(2024, 11, 1) and series[-1][0] == dt.date(2026, 10, 1)
    by_month = dict(series)
    assert by_month[dt.date(2026, 7, 1)] > 3 * by_month[dt.date(2026, 10, 1)]  # summer peak
    expected = (
        sample_store.transactions("A006")
        .filter(pl.col("date").dt.month() == 7, pl.col("date").dt.year() == 2026)["amount"]
        .sum()
    )
    assert by_month[dt.date(2026, 7, 1)] == pytest.approx(expected)
