"""Proactive alerts: which accounts moved into risk since the last look, as pure functions.

Each day the portfolio is analysed again and compared with the snapshot of the
day before: an account whose segment fell (EI→EII and the other alarms of
`advisor.accounts.movement`), that newly shows a sharp decline or lapsed, or
whose open complaint has now been waiting longer than N days, is an alert for
its rep. With no earlier snapshot (the first run), today's picture is only
recorded: what already stood is on /atrisk, alerts are about what changed.

Delivery rules live here too: quiet hours (alerts wait for their end) and the
configuration (`advisor.alerts.config`, read with the settings).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from advisor.accounts.movement import ALARMS
from advisor.accounts.reasons import params_json, severity_rank
from advisor.alerts.config import SEGMENT_DROP, AlertConfig

if TYPE_CHECKING:
    from advisor.accounts.portfolio import PortfolioAnalysis

# ---- quiet hours -----------------------------------------------------------------


def in_quiet_hours(moment: dt.datetime, config: AlertConfig) -> bool:
    start, end = config.quiet_start, config.quiet_end
    if start is None or end is None:
        return False
    local = moment.astimezone(config.tz).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end  # across midnight, e.g. 21:00–08:00


def release_time(moment: dt.datetime, config: AlertConfig) -> dt.datetime:
    """`moment` itself outside quiet hours; else the end of the quiet hours (in UTC)."""
    if not in_quiet_hours(moment, config):
        return moment
    assert config.quiet_end is not None
    local = moment.astimezone(config.tz)
    end = local.replace(
        hour=config.quiet_end.hour, minute=config.quiet_end.minute, second=0, microsecond=0
    )
    if end <= local:
        end += dt.timedelta(days=1)
    return end.astimezone(dt.UTC)


# ---- snapshots and alerts ----------------------------------------------------------


@dataclass(frozen=True)
class AccountState:
    name: str
    owner: str | None
    segment: str
    revenue: float
    risks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # code → severity, params


@dataclass(frozen=True)
class Snapshot:
    """The portfolio as one daily run saw it: segment and risk signals per account."""

    taken_on: dt.date  # the local day of the run
    as_of: dt.date  # the data's as-of date
    accounts: Mapping[str, AccountState]

    def to_json(self) -> str:
        return json.dumps(
            {
                "taken_on": self.taken_on.isoformat(),
                "as_of": self.as_of.isoformat(),
                "accounts": {
                    k: {
                        "name": a.name,
                        "owner": a.owner,
                        "segment": a.segment,
                        "revenue": a.revenue,
                        "risks": a.risks,
                    }
                    for k, a in self.accounts.items()
                },
            },
            ensure_ascii=False,
            default=str,
        )

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        data = json.loads(text)
        return cls(
            dt.date.fromisoformat(data["taken_on"]),
            dt.date.fromisoformat(data["as_of"]),
            {
                k: AccountState(
                    a["name"],
                    a.get("owner"),
                    a["segment"],
                    float(a["revenue"] or 0),
                    a.get("risks") or {},
                )
                for k, a in data["accounts"].items()
            },
        )


def snapshot_of(analysis: PortfolioAnalysis, taken_on: dt.date) -> Snapshot:
    """A `PortfolioAnalysis` reduced to what tomorrow's comparison needs."""
    accounts = {}
    # Rows of the segmentation table, not account views: a snapshot is stored as JSON
    # and needs no rendered text.
    for row in analysis.rows():
        risks = {
            r.code: {"severity": r.severity, "params": params_json(r.params)}
            for r in analysis.risks.get(row["account_id"], [])
        }
        accounts[row["account_id"]] = AccountState(
            row["name"], row["owner"], row["segment"], float(row["revenue"] or 0.0), risks
        )
    return Snapshot(taken_on, analysis.as_of, accounts)


@dataclass(frozen=True)
class Alert:
    account_id: str
    name: str
    owner: str | None
    reason: str  # segment_drop or a risk code
    severity: str
    params: Mapping[str, Any]
    revenue: float = 0.0


def alerts_for(
    previous: Snapshot | None, current: Snapshot, config: AlertConfig | None = None
) -> list[Alert]:
    """What moved into risk between two snapshots: most severe first, then by revenue."""
    config = config or AlertConfig()
    if previous is None:
        return []
    out: list[Alert] = []
    for account_id, now in current.accounts.items():
        before = previous.accounts.get(account_id)
        for reason in config.reasons:
            alert = _alert(reason, account_id, now, before, config)
            if alert is not None:
                out.append(alert)
    return sorted(
        out, key=lambda a: (severity_rank(a.severity), -a.revenue, a.account_id, a.reason)
    )


def _alert(
    reason: str,
    account_id: str,
    now: AccountState,
    before: AccountState | None,
    config: AlertConfig,
) -> Alert | None:
    def make(severity: str, params: Mapping[str, Any]) -> Alert:
        return Alert(account_id, now.name, now.owner, reason, severity, params, now.revenue)

    if reason == SEGMENT_DROP:
        if before is not None and (before.segment, now.segment) in ALARMS:
            return make("high", {"from": before.segment, "to": now.segment})
        return None
    risk = now.risks.get(reason)
    if risk is None:
        return None
    earlier = before.risks.get(reason) if before is not None else None
    if reason == "unresolved_complaint":
        # Not when it was raised, but when it has waited too long; once.
        if _days(risk) < config.complaint_days:
            return None
        if earlier is not None and _days(earlier) >= config.complaint_days:
            return None
    elif earlier is not None:
        return None  # not new
    return make(str(risk["severity"]), risk["params"])


def _days(risk: Mapping[str, Any]) -> int:
    return int(risk.get("params", {}).get("days") or 0)
