"""The sources' defector study, made computable: who left, who is leaving, and why.

Source 003 treats every lost customer like an aircraft's black box: study the
defectors, count the *partial* defectors (still buying, but less — MicroScan),
and run a six-step defector study. This module finds them in the data:

- full defectors: accounts marked `lost`; silent far longer than their own
  usual gap between purchases (the `lapsed` risk signal); or whose buying
  collapsed, the last quarter under a tenth of their earlier quarterly average
  (a token order is not a customer kept, and a buyer with long gaps between
  orders can stop without being `lapsed` yet);
- partial defectors: still buying, but the last quarter fell well below their
  own earlier volume: the `partial_defection` signal (under 80%, bought in two
  of the last three months) or the `sharp_decline` signal (under half, however
  few the orders);

so no account whose last quarter fell by more than 90% escapes the study: the
collapse is read from the metrics themselves, not from the risk signals, which
stay silent on a quarter without purchases and on an off-season dip. Then come
the defection rate by the segment each held a quarter earlier, the events that
preceded each loss (complaints, overdue payments, competitor offers,
satisfaction drops) and the most frequent causes. Pure functions: the analysis
and the events table in, a report out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from advisor.accounts.portfolio import PortfolioAnalysis
from advisor.accounts.segmentation import SEGMENTS

if TYPE_CHECKING:
    from advisor.accounts.reasons import Risk

FULL, PARTIAL = "full", "partial"
# What made an account a defector, strongest first.
LOST, LAPSED, COLLAPSED = "lost", "lapsed", "collapsed"
PARTIAL_SIGNALS = ("partial_defection", "sharp_decline")
# A last quarter under this share of the earlier quarterly average: the account is gone.
COLLAPSE_RATIO = 0.1
QUARTER_DAYS = 91
# How far back an event counts as having preceded a defection.
LOOKBACK_DAYS = 180
LOW_SATISFACTION = 2
# Event types that explain a defection, in the order a manager would check them.
CAUSES = ("competitor_offer", "complaint", "overdue", "low_satisfaction")
NO_RECORDED_CAUSE = "unknown"


@dataclass(frozen=True)
class PrecedingEvent:
    date: dt.date
    cause: str
    note: str | None
    value: float | None = None


@dataclass(frozen=True)
class Defector:
    account_id: str
    name: str
    owner: str | None
    kind: str  # full | partial
    date: dt.date  # when it left (lost event, last purchase) or began to slip
    segment_before: str
    revenue: float  # window revenue before/at the defection
    lost_revenue: float  # revenue the account no longer brings, per quarter
    events: tuple[PrecedingEvent, ...]
    signal: str = ""  # lost | lapsed | collapsed | partial_defection | sharp_decline
    change: float | None = None  # the last quarter against the earlier average (0.03 = 3%)

    @property
    def causes(self) -> tuple[str, ...]:
        found = tuple(dict.fromkeys(e.cause for e in self.events))
        return found or (NO_RECORDED_CAUSE,)

    def as_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "name": self.name,
            "owner": self.owner,
            "kind": self.kind,
            "signal": self.signal,
            "last_quarter_ratio": round(self.change, 4) if self.change is not None else None,
            "date": self.date.isoformat(),
            "segment_before": self.segment_before,
            "revenue": round(self.revenue, 2),
            "lost_revenue_per_quarter": round(self.lost_revenue, 2),
            "causes": list(self.causes),
            "events": [
                {"date": e.date.isoformat(), "cause": e.cause, "note": e.note, "value": e.value}
                for e in self.events
            ],
        }


@dataclass(frozen=True)
class SegmentRate:
    segment: str
    accounts: int
    full: int
    partial: int

    @property
    def rate(self) -> float:
        return (self.full + self.partial) / self.accounts if self.accounts else 0.0


@dataclass(frozen=True)
class DefectorReport:
    as_of: dt.date
    since: dt.date | None
    defectors: tuple[Defector, ...]
    rates: tuple[SegmentRate, ...]
    causes: Mapping[str, int] = field(default_factory=dict)

    @property
    def full(self) -> list[Defector]:
        return [d for d in self.defectors if d.kind == FULL]

    @property
    def partial(self) -> list[Defector]:
        return [d for d in self.defectors if d.kind == PARTIAL]

    def to_interview(self, limit: int = 10) -> list[Defector]:
        """Whom the study team should call first: full defectors, then partial, by revenue."""
        order = sorted(self.defectors, key=lambda d: (d.kind != FULL, -d.revenue))
        return order[:limit]

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "since": self.since.isoformat() if self.since else None,
            "full": [d.as_json() for d in self.full],
            "partial": [d.as_json() for d in self.partial],
            "rate_by_segment": [
                {
                    "segment": r.segment,
                    "accounts": r.accounts,
                    "full": r.full,
                    "partial": r.partial,
                    "rate": round(r.rate, 4),
                }
                for r in self.rates
            ],
            "causes": dict(self.causes),
        }


def _cause(event: Mapping[str, Any]) -> str | None:
    kind = event["type"]
    if kind == "satisfaction":
        value = event.get("value")
        return "low_satisfaction" if value is not None and value <= LOW_SATISFACTION else None
    return kind if kind in CAUSES else None


def preceding_events(
    events: pl.DataFrame, account_id: str, until: dt.date, lookback_days: int = LOOKBACK_DAYS
) -> tuple[PrecedingEvent, ...]:
    """The cause-bearing events of one account in the lookback window before `until`."""
    start = until - dt.timedelta(days=lookback_days)
    rows = (
        events.filter(
            (pl.col("account_id") == account_id)
            & (pl.col("date") >= start)
            & (pl.col("date") <= until)
        )
        .sort("date")
        .to_dicts()
    )
    found = []
    for row in rows:
        cause = _cause(row)
        if cause:
            found.append(PrecedingEvent(row["date"], cause, row.get("note"), row.get("value")))
    return tuple(found)


@dataclass(frozen=True)
class _Found:
    kind: str
    signal: str
    date: dt.date  # when it left or began to slip
    until: dt.date  # the end of the window of events that explain it


def collapsed(row: Mapping[str, Any]) -> bool:
    """The last quarter under COLLAPSE_RATIO of the earlier quarterly average (none at all
    included); an account with no earlier volume to compare has not collapsed."""
    trend = row.get("trend_ratio")
    return trend is not None and trend < COLLAPSE_RATIO


def _defection(row: Mapping[str, Any], codes: Mapping[str, Risk], as_of: dt.date) -> _Found | None:
    # The slide shows over the last quarter: date it from the quarter's start.
    quarter_start = as_of - dt.timedelta(days=QUARTER_DAYS)
    last = row.get("last_purchase") or as_of
    if "lost" in codes:
        date = codes["lost"].params["date"]
        return _Found(FULL, LOST, date, date)
    if "lapsed" in codes:
        return _Found(FULL, LAPSED, last, last)
    if collapsed(row):
        # Gone since its last purchase before the quarter, or since the quarter began when
        # a token order came in it; what happened during the collapse explains it too.
        return _Found(FULL, COLLAPSED, min(last, quarter_start), as_of)
    for signal in PARTIAL_SIGNALS:
        if signal in codes:
            return _Found(PARTIAL, signal, quarter_start, as_of)
    return None


def defector_report(
    analysis: PortfolioAnalysis,
    events: pl.DataFrame,
    since: dt.date | None = None,
    lookback_days: int = LOOKBACK_DAYS,
) -> DefectorReport:
    """Full and partial defectors, rates by the segment held a quarter earlier, causes."""
    as_of = analysis.as_of
    before = {r["account_id"]: r["segment"] for r in analysis.before.frame.to_dicts()}
    defectors: list[Defector] = []
    for row in analysis.rows():
        if row["kind"] != "existing" and row["account_id"] not in before:
            continue
        codes = {r.code: r for r in analysis.risks.get(row["account_id"], [])}
        found = _defection(row, codes, as_of)
        if found is None:
            continue
        if since and found.date < since:
            continue
        earlier = row.get("earlier_avg") or 0.0
        last_q = row.get("last_q") or 0.0
        defectors.append(
            Defector(
                account_id=row["account_id"],
                name=row["name"],
                owner=row.get("owner"),
                kind=found.kind,
                date=found.date,
                segment_before=before.get(row["account_id"]) or row["segment"],
                revenue=row.get("revenue") or 0.0,
                lost_revenue=max(earlier - last_q, 0.0),
                events=preceding_events(events, row["account_id"], found.until, lookback_days),
                signal=found.signal,
                change=row.get("trend_ratio"),
            )
        )
    defectors.sort(key=lambda d: (d.kind != FULL, -d.revenue, d.account_id))
    return DefectorReport(
        as_of=as_of,
        since=since,
        defectors=tuple(defectors),
        rates=_rates(before, defectors),
        causes=dict(Counter(c for d in defectors for c in d.causes).most_common()),
    )


def _rates(before: Mapping[str, str], defectors: list[Defector]) -> tuple[SegmentRate, ...]:
    held = Counter(before.values())
    full = Counter(d.segment_before for d in defectors if d.kind == FULL)
    partial = Counter(d.segment_before for d in defectors if d.kind == PARTIAL)
    return tuple(
        SegmentRate(s, held[s], full[s], partial[s])
        for s in SEGMENTS
        if s.startswith("E") and (held[s] or full[s] or partial[s])
    )
