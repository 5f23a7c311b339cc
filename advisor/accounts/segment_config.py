"""The thresholds of the segment model (ADVISOR_SEGMENT_*, read in `advisor.settings`).

Kept apart from the segmentation itself so that reading the settings (every
command does) does not load the dataframe library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from advisor.errors import ConfigError

EPS = 1e-9  # float slack so a value exactly at a threshold counts as reaching it


@dataclass(frozen=True)
class SegmentConfig:
    """Thresholds of the segment model; each can be set by ADVISOR_SEGMENT_<FIELD>."""

    window_months: int = 12
    top_share: float = 0.2  # the sources' 80/20 rule: the top fifth of customers
    stable_active_share: float = 0.75
    stable_trend_ratio: float = 0.5
    seasonal_tolerance: float = 0.8
    intent_high: float = 0.5
    min_accounts: int = 5
    flat_top_share: float = 0.3

    def __post_init__(self) -> None:
        if self.window_months < 6:
            raise ConfigError("segment window_months must be at least 6")
        for name in ("top_share", "stable_active_share", "intent_high", "flat_top_share"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ConfigError(f"segment {name} must be in (0, 1], got {value}")
        if self.stable_trend_ratio < 0 or self.seasonal_tolerance < 0 or self.min_accounts < 1:
            raise ConfigError("segment ratios must be non-negative and min_accounts at least 1")

    @property
    def stable_months(self) -> int:
        """Months with a purchase needed to count as stable (9 of 12 by default)."""
        return math.ceil(self.stable_active_share * self.window_months - EPS)
