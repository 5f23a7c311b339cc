"""Proactive alerts: which accounts moved into risk since the last look, as pure functions.

Each day the portfolio is analysed again and compared with the snapshot of the
day before: an account whose segment fell (EI→EII and the other alarms of
`advisor.accounts.movement`), that newly shows a sharp decline or lapsed, or
whose open complaint has now been waiting longer than N days, is an alert for
its rep. With no earlier snapshot (the first run), today's picture is only
recorded: what already stood is on /atrisk, alerts are about what changed.

Delivery rules live here too: quiet hours (alerts wait for their end) and the
configuration, read from the environment at the edges (`AlertConfig.from_env`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from advisor.accounts.movement import ALARMS
from advisor.accounts.reasons import params_json, severity_rank
from advisor.errors import ConfigError

SEGMENT_DROP = "segment_drop"
DEFAULT_REASONS = (SEGMENT_DROP, "sharp_decline", "lapsed", "unresolved_complaint")
RISK_REASONS = (
    "sharp_decline",
    "partial_defection",
    "lapsed",
    "unresolved_complaint",
    "lost",
    "overdue_payment",
    "competitor_offer",
    "low_satisfaction",
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOUR = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")


@dataclass(frozen=True)
class AlertConfig:
    """When and what to alert; every field has an ADVISOR_* variable (see `from_env`)."""

    alert_time: dt.time = dt.time(8, 30)  # local time of the daily run
    digest_weekday: int = 0  # Monday (Python's numbering: Monday 0 … Sunday 6)
    quiet_start: dt.time | None = dt.time(21, 0)  # None: no quiet hours
    quiet_end: dt.time | None = dt.time(8, 0)
    dedup_days: int = 7  # the same account and reason is not alerted twice within this
    complaint_days: int = 14  # an open complaint is alerted once it is this old
    timezone: str = "UTC"
    reasons: tuple[str, ...] = DEFAULT_REASONS
    digest_hours: float = 40.0  # a rep's weekly hours, for the time allocation

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AlertConfig:
        env = os.environ if env is None else env
        default = cls()

        def get(name: str) -> str:
            return (env.get(name) or "").strip()

        quiet = get("ADVISOR_QUIET_HOURS")
        start, end = (default.quiet_start, default.quiet_end)
        if quiet:
            start, end = parse_quiet_hours(quiet)
        timezone = get("ADVISOR_TIMEZONE") or default.timezone
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"ADVISOR_TIMEZONE: unknown time zone '{timezone}' "
                "(use a name like Asia/Seoul or UTC)"
            ) from None
        reasons = default.reasons
        if get("ADVISOR_ALERT_REASONS"):
            reasons = tuple(r.strip() for r in get("ADVISOR_ALERT_REASONS").split(",") if r.strip())
            unknown = [r for r in reasons if r not in (SEGMENT_DROP, *RISK_REASONS)]
            if unknown:
                raise ConfigError(
                    f"ADVISOR_ALERT_REASONS: unknown reason '{unknown[0]}' "
                    f"(choose from {', '.join((SEGMENT_DROP, *RISK_REASONS))})"
                )
        return cls(
            alert_time=parse_time(get("ADVISOR_ALERT_TIME"), "ADVISOR_ALERT_TIME")
            if get("ADVISOR_ALERT_TIME")
            else default.alert_time,
            digest_weekday=parse_weekday(get("ADVISOR_DIGEST_DAY"))
            if get("ADVISOR_DIGEST_DAY")
            else default.digest_weekday,
            quiet_start=start,
            quiet_end=end,
            dedup_days=_positive(
                get("ADVISOR_ALERT_DEDUP_DAYS"), "ADVISOR_ALERT_DEDUP_DAYS", default.dedup_days
            ),
            complaint_days=_positive(
                get("ADVISOR_COMPLAINT_ALERT_DAYS"),
                "ADVISOR_COMPLAINT_ALERT_DAYS",
                default.complaint_days,
            ),
            timezone=timezone,
            reasons=reasons,
        )


def parse_time(value: str, name: str = "time") -> dt.time:
    """`8`, `08:30`, `21:05` as a time of day."""
    found = _HOUR.match(value.strip())
    hour, minute = (int(found.group(1)), int(found.group(2) or 0)) if found else (99, 99)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ConfigError(f"{name}: '{value}' is not a time of day (HH or HH:MM, 24-hour)")
    return dt.time(hour, minute)


def parse_quiet_hours(value: str) -> tuple[dt.time | None, dt.time | None]:
    """`21-8`, `21:30-07:00`; `off` or `none` for no quiet hours."""
    if value.strip().lower() in ("off", "none", "no", "0"):
        return None, None
    start, sep, end = value.partition("-")
    if not sep:
        raise ConfigError(f"ADVISOR_QUIET_HOURS: '{value}' should look like 21-8 or 21:30-07:00")
    first = parse_time(start, "ADVISOR_QUIET_HOURS")
    last = parse_time(end, "ADVISOR_QUIET_HOURS")
    return (first, last) if first != last else (None, None)


def parse_weekday(value: str) -> int:
    key = value.strip().lower()[:3]
    if key not in WEEKDAYS:
        raise ConfigError(f"ADVISOR_DIGEST_DAY: '{value}' is not a day (mon, tue, … sun)")
    return WEEKDAYS.index(key)


def _positive(value: str, name: str, default: int) -> int:
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name}: '{value}' is not a whole number of days (1 or more)")
    return int(value)


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


def snapshot_of(analysis: Any, taken_on: dt.date) -> Snapshot:
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
