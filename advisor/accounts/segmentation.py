"""Segments from transactions: contribution × stability (EI–EIV), prospects (PI–PIV), F.

A pure function: transactions (+ accounts) and an explicit as-of date in, one
row per account out, with the metrics that decided it. `Segmentation.reasons`
turns a row into checkable reasons (codes + numbers, words in
`advisor/data/messages/accounts.yaml`).

Rules (defaults in SegmentConfig, all configurable):

- existing customer: any purchase up to as-of (whatever the CRM stage says), or
  stage `existing`; prospect: stage `prospect`, or no stage but an expected
  revenue or intent; otherwise a future customer (F);
- high contribution: top 20% by window revenue of the existing accounts that
  bought in the window (ties at the cut all count); fewer than `min_accounts`
  such accounts → at or above their average instead; a flat portfolio (top
  group holds < `flat_top_share` of revenue) → every buying account is high:
  none stands out, so none is minor;
- stable: bought in ≥ 75% of the window's months AND last quarter ≥ 50% of the
  earlier quarters' average — or, when the same months a year earlier are on
  record, last quarter ≥ 80% of them (an off-season dip is not instability);
- prospects: expected revenue high when it reaches the smallest annual
  revenue of a high-contribution customer; intent high at ≥ 0.5 or
  `medium`/`high`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from advisor.accounts.contribution import Contribution
from advisor.accounts.explain import segment_reasons
from advisor.accounts.metrics import Purchases, account_metrics
from advisor.accounts.reasons import Reason
from advisor.accounts.segment_config import EPS, SegmentConfig
from advisor.errors import AdvisorError

EXISTING = ("EI", "EII", "EIII", "EIV")
PROSPECTS = ("PI", "PII", "PIII", "PIV")
SEGMENTS = (*EXISTING, *PROSPECTS, "F")
ACCOUNT_COLUMNS: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "name": pl.String(),
    "owner": pl.String(),
    "stage": pl.String(),
    "expected_revenue": pl.Float64(),
    "intent": pl.String(),
}


@dataclass
class Segmentation:
    as_of: dt.date
    config: SegmentConfig
    contribution: Contribution
    frame: pl.DataFrame

    def rows(self) -> list[dict[str, Any]]:
        return self.frame.to_dicts()

    def row(self, account_id: str) -> dict[str, Any] | None:
        found = self.frame.filter(pl.col("account_id") == account_id)
        return found.to_dicts()[0] if found.height else None

    def reasons(self, row: Mapping[str, Any]) -> list[Reason]:
        return segment_reasons(row, self)


def _accounts_frame(accounts: pl.DataFrame | None, bought_ids: pl.Series) -> pl.DataFrame:
    """The accounts table with every column, plus a bare row for any id that has
    transactions but no account row (the pure function works without a table)."""
    if accounts is None:
        accounts = pl.DataFrame({"account_id": pl.Series([], dtype=pl.String)})
    missing = [
        pl.lit(None, dtype=t).alias(c)
        for c, t in ACCOUNT_COLUMNS.items()
        if c not in accounts.columns
    ]
    frame = accounts.with_columns(missing).select(list(ACCOUNT_COLUMNS))
    extra = pl.DataFrame({"account_id": bought_ids}).join(frame, on="account_id", how="anti")
    if extra.height:
        filler = extra.with_columns(
            pl.col("account_id").alias("name"),
            *[
                pl.lit(None, dtype=t).alias(c)
                for c, t in ACCOUNT_COLUMNS.items()
                if c not in ("account_id", "name")
            ],
        ).select(list(ACCOUNT_COLUMNS))
        frame = pl.concat([frame, filler])
    return frame


def segment_accounts(
    transactions: pl.DataFrame,
    accounts: pl.DataFrame | None = None,
    as_of: dt.date | None = None,
    config: SegmentConfig | None = None,
    purchases: Purchases | None = None,
) -> Segmentation:
    """Segment every account. `as_of` defaults to the latest transaction date.
    `purchases` is `Purchases.of(transactions)`, when the caller has it already."""
    config = config or SegmentConfig()
    if as_of is None:
        latest = transactions["date"].max() if transactions.height else None
        if latest is None:
            raise AdvisorError("no transactions on record: give an as-of date")
        as_of = latest  # type: ignore[assignment]
    assert isinstance(as_of, dt.date)
    metrics = account_metrics(purchases or transactions, as_of, config.window_months)
    base = _accounts_frame(accounts, metrics["account_id"]).join(
        metrics, on="account_id", how="left"
    )

    bought = pl.col("last_purchase").is_not_null()
    stage = pl.col("stage").fill_null("")
    prospect_hint = pl.col("expected_revenue").is_not_null() | pl.col("intent").is_not_null()
    kind = (
        pl.when(bought | (stage == "existing"))
        .then(pl.lit("existing"))
        .when((stage == "prospect") | ((stage == "") & prospect_hint))
        .then(pl.lit("prospect"))
        .otherwise(pl.lit("future"))
    )
    base = base.with_columns(kind.alias("kind"), pl.col("revenue").fill_null(0.0))

    buying = base.filter((pl.col("kind") == "existing") & (pl.col("revenue") > 0))
    contribution = _contribution(buying["revenue"], config)
    base = base.with_columns(_rank())
    base = base.with_columns(_high(contribution).alias("high_contribution"))
    base = base.with_columns(_stability(config)).with_columns(_prospect(contribution, config))
    base = base.with_columns(_segment().alias("segment"))
    share = pl.col("revenue") / pl.lit(float(buying["revenue"].sum()) or 1.0)
    base = base.with_columns(
        pl.when(pl.col("kind") == "existing").then(share).otherwise(None).alias("share"),
        pl.lit(contribution.n).alias("ranked"),
    )
    return Segmentation(as_of, config, contribution, base.sort("account_id"))


def _contribution(revenue: pl.Series, config: SegmentConfig) -> Contribution:
    n = revenue.len()
    if n == 0:
        return Contribution("none", 0, 0, None, None, None)
    ordered = revenue.sort(descending=True)
    total = float(ordered.sum())
    average = total / n
    k = max(1, math.ceil(config.top_share * n - EPS))
    threshold = float(ordered[k - 1])
    top = ordered.filter(ordered >= threshold - EPS)
    top_share = float(top.sum()) / total if total else None
    if n < config.min_accounts:
        small_threshold = float(ordered.filter(ordered >= average - EPS).min())  # type: ignore[arg-type]
        return Contribution("small", n, k, small_threshold, top_share, average)
    if top_share is not None and top_share < config.flat_top_share - EPS:
        return Contribution("flat", n, k, float(ordered.min()), top_share, average)  # type: ignore[arg-type]
    return Contribution("rank", n, k, threshold, top_share, average)


def _rank() -> pl.Expr:
    buying = (pl.col("kind") == "existing") & (pl.col("revenue") > 0)
    ranked = pl.when(buying).then(pl.col("revenue")).otherwise(None)
    return ranked.rank("min", descending=True).cast(pl.Int64).alias("rank")


def _high(contribution: Contribution) -> pl.Expr:
    buying = (pl.col("kind") == "existing") & (pl.col("revenue") > 0)
    if contribution.threshold is None:
        return pl.lit(False)
    return buying & (pl.col("revenue") >= contribution.threshold - EPS)


def _stability(config: SegmentConfig) -> list[pl.Expr]:
    active_ok = pl.col("active_months").fill_null(0) >= config.stable_months
    trend_ok = pl.col("trend_ratio").fill_null(-1.0) >= config.stable_trend_ratio - EPS
    # Two years on record: the year-ago quarter is inside the history.
    year_ago_known = pl.col("history_months").fill_null(0) >= config.window_months + 3
    seasonal_ok = (
        ~trend_ok
        & pl.col("trend_ratio").is_not_null()
        & year_ago_known
        & (pl.col("yoy_ratio").fill_null(-1.0) >= config.seasonal_tolerance - EPS)
    )
    # One number for charts: >= 1 exactly when stable. The weaker of the two
    # tests, each as a multiple of its threshold (the trend test may be passed
    # through the year-ago comparison instead).
    active_part = pl.col("active_months").fill_null(0) / config.stable_months
    trend_part = pl.max_horizontal(
        pl.col("trend_ratio").fill_null(0.0) / max(config.stable_trend_ratio, EPS),
        pl.when(seasonal_ok)
        .then(pl.col("yoy_ratio") / max(config.seasonal_tolerance, EPS))
        .otherwise(0.0),
    )
    return [
        active_ok.alias("active_ok"),
        trend_ok.alias("trend_ok"),
        seasonal_ok.alias("seasonal_dip"),
        (active_ok & (trend_ok | seasonal_ok)).alias("stable"),
        pl.min_horizontal(active_part, trend_part).alias("stability_score"),
    ]


def intent_is_high(intent: pl.Expr, config: SegmentConfig) -> pl.Expr:
    text = intent.fill_null("").str.to_lowercase()
    number = text.cast(pl.Float64, strict=False)
    return text.is_in(["medium", "high"]) | (number.fill_null(-1.0) >= config.intent_high - EPS)


def _prospect(contribution: Contribution, config: SegmentConfig) -> list[pl.Expr]:
    if contribution.threshold is None:
        expected_high = pl.lit(False)
    else:
        expected_high = pl.col("expected_revenue").fill_null(-1.0) >= contribution.threshold - EPS
    return [
        expected_high.alias("expected_high"),
        intent_is_high(pl.col("intent"), config).alias("intent_high"),
    ]


def _segment() -> pl.Expr:
    high, stable = pl.col("high_contribution"), pl.col("stable")
    exp_high, intent_high = pl.col("expected_high"), pl.col("intent_high")
    return (
        pl.when(pl.col("kind") == "existing")
        .then(
            pl.when(high & stable)
            .then(pl.lit("EI"))
            .when(high)
            .then(pl.lit("EII"))
            .when(stable)
            .then(pl.lit("EIII"))
            .otherwise(pl.lit("EIV"))
        )
        .when(pl.col("kind") == "prospect")
        .then(
            pl.when(exp_high & intent_high)
            .then(pl.lit("PI"))
            .when(exp_high)
            .then(pl.lit("PII"))
            .when(intent_high)
            .then(pl.lit("PIII"))
            .otherwise(pl.lit("PIV"))
        )
        .otherwise(pl.lit("F"))
    )
