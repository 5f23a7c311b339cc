"""The alert runs' configuration: when they run, what they alert, and the quiet hours.

The values come from ADVISOR_* variables, read with the other settings in
`advisor.settings`; the parsers here check one value each and name its variable.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

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
    """When and what to alert; every field has an ADVISOR_* variable (read in `advisor.settings`)."""

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


def positive_days(value: str, name: str, default: int) -> int:
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name}: '{value}' is not a whole number of days (1 or more)")
    return int(value)
