"""What a caller reads about one account: typed, frozen views in one language.

`PortfolioAnalysis.view` and `PortfolioDirectory.record` hand these out; the
answer composer, the planner, briefs, the CLI and the chat read their
attributes. `AccountView.as_json` is the account's row in `advisor segment
--json` (a contract of the CLI): the same keys in the same
order, so the views change nothing that is printed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from advisor.accounts.reasons import Reason, Risk, params_json


@dataclass(frozen=True)
class AccountRef:
    """Who an account is: what lists of accounts show and questions are matched against."""

    account_id: str
    name: str
    owner: str | None


@dataclass(frozen=True)
class ReasonView:
    """One reason for the segment: its code, JSON-safe parameters and its text."""

    code: str
    params: Mapping[str, Any]
    text: str

    @classmethod
    def of(cls, reason: Reason, lang: str) -> ReasonView:
        return cls(reason.code, clean_params(reason.params), reason.text(lang))

    def code_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


@dataclass(frozen=True)
class RiskView:
    """One churn risk signal, its title and evidence rendered in one language."""

    code: str
    severity: str
    title: str
    evidence: str
    params: Mapping[str, Any]

    @classmethod
    def of(cls, risk: Risk, lang: str) -> RiskView:
        return cls(
            risk.code,
            risk.severity,
            risk.title(lang),
            risk.evidence(lang),
            params_json(risk.params),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "title": self.title,
            "evidence": self.evidence,
            "params": dict(self.params),
        }


# Segmentation frame column → metric name (the field of AccountMetrics, the JSON key).
METRIC_COLUMNS = {
    "revenue": "revenue",
    "share": "share",
    "rank": "rank",
    "ranked": "ranked",
    "active_months": "active_months",
    "monthly_cv": "monthly_cv",
    "last_q": "last_quarter",
    "earlier_avg": "earlier_quarter_avg",
    "trend_ratio": "trend_ratio",
    "year_ago_q": "year_ago_quarter",
    "yoy_ratio": "yoy_ratio",
    "median_gap_days": "median_gap_days",
    "days_since_last": "days_since_last",
    "first_purchase": "first_purchase",
    "last_purchase": "last_purchase",
    "expected_revenue": "expected_revenue",
    "intent": "intent",
}


@dataclass(frozen=True)
class AccountMetrics:
    """The numbers behind the segment, as printed: floats rounded to 4 places, NaN as
    None, dates as ISO strings. Field order is the JSON key order; a metric not
    known is None."""

    revenue: float | None = None
    share: float | None = None
    rank: int | None = None
    ranked: int | None = None
    active_months: int | None = None
    monthly_cv: float | None = None
    last_quarter: float | None = None
    earlier_quarter_avg: float | None = None
    trend_ratio: float | None = None
    year_ago_quarter: float | None = None
    yoy_ratio: float | None = None
    median_gap_days: float | None = None
    days_since_last: int | None = None
    first_purchase: str | None = None
    last_purchase: str | None = None
    expected_revenue: float | None = None
    intent: str | None = None
    window_months: int = 12

    @classmethod
    def from_row(cls, row: Mapping[str, Any], window_months: int) -> AccountMetrics:
        values = {out: clean(row.get(col)) for col, out in METRIC_COLUMNS.items()}
        return cls(**values, window_months=window_months)

    def as_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class AccountView:
    """One account as the advisor reads it: segment, movement, reasons, risks, metrics.

    `industry` and `region` come from the accounts table (`PortfolioDirectory.record`);
    an analysis alone leaves them None.
    """

    account_id: str
    name: str
    owner: str | None
    segment: str
    segment_label: str
    previous_segment: str | None
    movement: str
    alarm: bool
    kind: str
    reasons: tuple[ReasonView, ...]
    risks: tuple[RiskView, ...]
    metrics: AccountMetrics
    industry: str | None = None
    region: str | None = None

    @property
    def ref(self) -> AccountRef:
        return AccountRef(self.account_id, self.name, self.owner)

    @property
    def reason_texts(self) -> list[str]:
        return [r.text for r in self.reasons]

    def with_details(self, industry: str | None, region: str | None) -> AccountView:
        return replace(self, industry=industry, region=region)

    def as_json(self) -> dict[str, Any]:
        """The account's row in `advisor segment --json` (contract): industry and region
        are not part of it."""
        return {
            "account_id": self.account_id,
            "name": self.name,
            "owner": self.owner,
            "segment": self.segment,
            "segment_label": self.segment_label,
            "previous_segment": self.previous_segment,
            "movement": self.movement,
            "alarm": self.alarm,
            "kind": self.kind,
            "reasons": self.reason_texts,
            "reason_codes": [r.code_json() for r in self.reasons],
            "risks": [r.as_json() for r in self.risks],
            "metrics": self.metrics.as_json(),
        }


def clean(value: Any) -> Any:
    """A value as printed: floats rounded to 4 places, NaN as None, dates as ISO strings."""
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return round(value, 4)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def clean_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: clean(v) for k, v in params.items()}
