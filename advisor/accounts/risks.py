"""Churn risk signals, each with the evidence that raised it.

From the metrics: sharp decline, partial defection (the sources' "partial
defectors": still buying, buying less), lapsed (silent far longer than its own
usual gap), and the off-season dip, told apart from a decline by the same months
a year earlier. From the events: unresolved complaints, overdue payments (the
sources' "big seller, big debtor"), competitor offers, low satisfaction (1–2 of
5) and accounts marked lost. Only events on or before the as-of date count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from advisor.accounts.reasons import Risk, severity_rank
from advisor.accounts.segment_config import EPS
from advisor.accounts.segmentation import Segmentation


@dataclass(frozen=True)
class RiskConfig:
    decline_ratio: float = 0.5  # last quarter under half the earlier average: sharp decline
    partial_ratio: float = 0.8  # still buying but under 80% of before: partial defection
    partial_min_months: int = 2  # "still buying" = bought in at least 2 of the last 3 months
    lapse_factor: float = 3.0  # silent for 3× its usual gap between purchases
    lapse_min_days: int = 45  # ...and never less than this, so weekly buyers aren't nagged
    lapse_default_days: int = 90  # when there is no gap to compare (a single purchase)
    complaint_urgent_days: int = 30  # an open complaint older than this is high severity
    overdue_days: int = 90  # an overdue report counts for this long
    competitor_days: int = 180  # a competitor offer counts for this long
    satisfaction_days: int = 365  # the latest survey counts for this long
    satisfaction_low: int = 2  # 1-2 on the five-level survey


def account_risks(
    seg: Segmentation, events: pl.DataFrame | None = None, config: RiskConfig | None = None
) -> dict[str, list[Risk]]:
    """Risks per account id, most severe first (accounts without risks are absent)."""
    config = config or RiskConfig()
    by_account: dict[str, list[Mapping[str, Any]]] = {}
    if events is not None and events.height:
        order = ["date", "key"] if "key" in events.columns else ["date"]
        relevant = events.filter(pl.col("date") <= seg.as_of).sort(order, maintain_order=True)
        for event in relevant.iter_rows(named=True):
            by_account.setdefault(event["account_id"], []).append(event)
    out: dict[str, list[Risk]] = {}
    for row in _candidates(seg, set(by_account), config).iter_rows(named=True):
        risks = _from_metrics(row, seg, config) + _from_events(
            row, by_account.get(row["account_id"], []), seg.as_of, config
        )
        if risks:
            out[row["account_id"]] = sorted(risks, key=lambda r: severity_rank(r.severity))
    return out


# What the rules read of an account's row.
_COLUMNS = (
    "account_id",
    "kind",
    "last_purchase",
    "high_contribution",
    "revenue",
    "trend_ratio",
    "history_months",
    "yoy_ratio",
    "year_ago_trend",
    "last_q",
    "earlier_avg",
    "year_ago_q",
    "last_q_months",
    "days_since_last",
    "median_gap_days",
)


def _candidates(seg: Segmentation, with_events: set[str], cfg: RiskConfig) -> pl.DataFrame:
    """The rows any rule could fire on: a superset, found in one vectorised pass, so
    that the rules below run on a few thousand of 100,000 accounts, not on all."""
    shortest_lapse = min(cfg.lapse_min_days, cfg.lapse_default_days)
    metric = (
        (pl.col("kind") == "existing")
        & pl.col("last_purchase").is_not_null()
        & (
            (pl.col("trend_ratio") < cfg.partial_ratio - EPS)
            | (pl.col("days_since_last") > shortest_lapse)
        ).fill_null(False)
    )
    return seg.frame.select(_COLUMNS).filter(metric | pl.col("account_id").is_in(list(with_events)))


def _from_metrics(row: Mapping[str, Any], seg: Segmentation, cfg: RiskConfig) -> list[Risk]:
    if row["kind"] != "existing" or row.get("last_purchase") is None:
        return []
    risks: list[Risk] = []
    big = bool(row["high_contribution"])
    trend = row.get("trend_ratio")
    year_ago_known = (row.get("history_months") or 0) >= seg.config.window_months + 3
    yoy = row.get("yoy_ratio")
    seasonal = year_ago_known and yoy is not None and yoy >= seg.config.seasonal_tolerance - EPS
    if trend is not None and (row["revenue"] or 0) > 0:
        evidence = {
            "last_q": row["last_q"],
            "earlier": row["earlier_avg"],
            "ratio_pct": trend,
            "yoy_pct": yoy if year_ago_known else None,
            "year_ago": row["year_ago_q"] if year_ago_known else None,
        }
        falling = trend < cfg.partial_ratio - EPS
        year_ago_trend = row.get("year_ago_trend")
        # Off-season: level with the same months a year earlier, and those months
        # had dipped about as much against the quarters before them: the same shape.
        tol = seg.config.seasonal_tolerance
        same_dip = (
            year_ago_trend is not None
            and trend > 0
            and tol - EPS <= year_ago_trend / trend <= 1 / max(tol, EPS) + EPS
        )
        if falling and seasonal:
            if same_dip:
                risks.append(
                    Risk(
                        "off_season_dip", "info", {**evidence, "year_ago_trend_pct": year_ago_trend}
                    )
                )
        elif falling:
            # A quarter with no purchase at all is told by `lapsed`, with its own evidence.
            if trend < cfg.decline_ratio - EPS and (row["last_q"] or 0) > 0:
                risks.append(Risk("sharp_decline", "high" if big else "medium", evidence))
            if (row.get("last_q_months") or 0) >= cfg.partial_min_months:
                risks.append(
                    Risk(
                        "partial_defection",
                        "high" if big else "medium",
                        {**evidence, "months": row["last_q_months"]},
                    )
                )
    days = row.get("days_since_last")
    gap = row.get("median_gap_days")
    if days is not None:
        limit = max(cfg.lapse_factor * gap, cfg.lapse_min_days) if gap else cfg.lapse_default_days
        if days > limit + EPS:
            params = {
                "days": days,
                "gap": round(gap) if gap else None,
                "last": row["last_purchase"],
            }
            risks.append(Risk("lapsed", "high" if big else "medium", params))
    return risks


def _from_events(
    row: Mapping[str, Any], events: list[Mapping[str, Any]], as_of: dt.date, cfg: RiskConfig
) -> list[Risk]:
    if not events:
        return []
    risks: list[Risk] = []
    big = bool(row.get("high_contribution"))
    open_complaints: list[Mapping[str, Any]] = []
    latest: dict[str, Mapping[str, Any]] = {}
    for event in events:
        kind = event["type"]
        latest[kind] = event
        if kind == "complaint":
            open_complaints.append(event)
        elif kind == "resolved" and open_complaints:
            open_complaints.pop(0)  # a resolution closes the oldest open complaint
    if open_complaints:
        oldest = open_complaints[0]
        age = (as_of - oldest["date"]).days
        risks.append(
            Risk(
                "unresolved_complaint",
                "high" if big or age >= cfg.complaint_urgent_days else "medium",
                {
                    "count": len(open_complaints),
                    "since": oldest["date"],
                    "days": age,
                    "note": oldest.get("note"),
                },
            )
        )
    lost = latest.get("lost")
    if lost:
        risks.append(Risk("lost", "high", {"date": lost["date"], "note": lost.get("note")}))
    overdue = latest.get("overdue")
    if overdue and (as_of - overdue["date"]).days <= cfg.overdue_days:
        risks.append(
            Risk(
                "overdue_payment",
                "high" if big else "medium",
                {
                    "amount": overdue.get("value"),
                    "date": overdue["date"],
                    "revenue": row.get("revenue") or 0.0,
                    "big": True if big else None,  # only then the "big debtor" clause
                    "note": overdue.get("note"),
                },
            )
        )
    offer = latest.get("competitor_offer")
    if offer and (as_of - offer["date"]).days <= cfg.competitor_days:
        risks.append(
            Risk(
                "competitor_offer",
                "high" if big or row.get("kind") == "prospect" else "medium",
                {
                    "date": offer["date"],
                    "days": (as_of - offer["date"]).days,
                    "note": offer.get("note"),
                },
            )
        )
    survey = latest.get("satisfaction")
    if (
        survey
        and survey.get("value") is not None
        and survey["value"] <= cfg.satisfaction_low
        and (as_of - survey["date"]).days <= cfg.satisfaction_days
    ):
        risks.append(
            Risk(
                "low_satisfaction",
                "high" if survey["value"] <= 1 or big else "medium",
                {"score": int(survey["value"]), "date": survey["date"], "note": survey.get("note")},
            )
        )
    return risks
