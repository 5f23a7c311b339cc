"""The reasons behind each segment, as codes with the numbers a manager can check.

Imports go one way: `segmentation` uses this module; this module knows a
segmentation only by the three things it reads (`SegmentFacts`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

from advisor.accounts.contribution import Contribution
from advisor.accounts.reasons import Reason
from advisor.accounts.segment_config import SegmentConfig


class SegmentFacts(Protocol):
    """What the reasons read of a segmentation (`segmentation.Segmentation` has it)."""

    @property
    def as_of(self) -> dt.date: ...
    @property
    def config(self) -> SegmentConfig: ...
    @property
    def contribution(self) -> Contribution: ...


def segment_reasons(row: Mapping[str, Any], seg: SegmentFacts) -> list[Reason]:
    kind = row["kind"]
    if kind == "existing":
        return _stage_note(row) + _contribution(row, seg) + _stability(row, seg)
    if kind == "prospect":
        return _expected(row, seg) + _intent(row, seg)
    return [Reason("future_customer")]


def _stage_note(row: Mapping[str, Any]) -> list[Reason]:
    stage = row.get("stage")
    if row.get("last_purchase") is not None and stage in ("prospect", "future"):
        return [Reason("stage_override", {"stage": stage})]
    return []


def _contribution(row: Mapping[str, Any], seg: SegmentFacts) -> list[Reason]:
    c, cfg = seg.contribution, seg.config
    revenue = row["revenue"] or 0.0
    top_pct = cfg.top_share
    if revenue <= 0:
        if row.get("last_purchase") is None:
            return [Reason("no_purchases", {"as_of": seg.as_of})]
        return [Reason("no_window_revenue", {"months": cfg.window_months, "as_of": seg.as_of})]
    if c.mode == "small":
        code = "small_high" if row["high_contribution"] else "small_low"
        return [
            Reason(
                code,
                {"n": c.n, "min": cfg.min_accounts, "revenue": revenue, "average": c.average},
            )
        ]
    if c.mode == "flat":
        return [
            Reason(
                "flat_high",
                {"top_pct": top_pct, "share_pct": c.top_revenue_share, "revenue": revenue},
            )
        ]
    params = {"top_pct": top_pct, "revenue": revenue, "rank": row["rank"], "n": c.n}
    if row["high_contribution"]:
        return [Reason("top_rank", params)]
    return [Reason("below_top", {**params, "threshold": c.threshold})]


def _stability(row: Mapping[str, Any], seg: SegmentFacts) -> list[Reason]:
    cfg = seg.config
    reasons: list[Reason] = []
    active = row.get("active_months") or 0
    months = cfg.window_months
    need = cfg.stable_months
    code = "active_ok" if active >= need else "active_low"
    reasons.append(Reason(code, {"active": active, "months": months, "need": need}))
    if (row["revenue"] or 0) <= 0:
        return reasons
    trend = row.get("trend_ratio")
    base = {"last_q": row["last_q"], "earlier": row["earlier_avg"], "ratio_pct": trend}
    if trend is None:
        reasons.append(Reason("too_new", {"first": row["first_purchase"]}))
    elif row["trend_ok"]:
        reasons.append(Reason("trend_ok", base))
    elif row["seasonal_dip"]:
        reasons.append(
            Reason(
                "trend_seasonal",
                {**base, "yoy_pct": row["yoy_ratio"], "year_ago": row["year_ago_q"]},
            )
        )
    else:
        reasons.append(Reason("trend_low", {**base, "need_pct": cfg.stable_trend_ratio}))
    return reasons


def _expected(row: Mapping[str, Any], seg: SegmentFacts) -> list[Reason]:
    expected = row.get("expected_revenue")
    threshold = seg.contribution.threshold
    if expected is None:
        return [Reason("expected_missing")]
    if threshold is None:
        return [Reason("expected_no_benchmark", {"expected": expected})]
    code = "expected_high" if row["expected_high"] else "expected_low"
    return [
        Reason(
            code, {"expected": expected, "threshold": threshold, "top_pct": seg.config.top_share}
        )
    ]


def _intent(row: Mapping[str, Any], seg: SegmentFacts) -> list[Reason]:
    intent = row.get("intent")
    if intent is None:
        return [Reason("intent_missing")]
    code = "intent_high" if row["intent_high"] else "intent_low"
    return [Reason(code, {"intent": intent, "need": seg.config.intent_high})]
