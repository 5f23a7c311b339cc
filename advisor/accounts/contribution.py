"""How 'high contribution' was decided for a portfolio: read by the segmentation that
decides it and by the reasons that explain it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Contribution:
    """How 'high contribution' was decided for this portfolio.

    mode: `rank` (top share by revenue), `small` (too few accounts: at or above
    the average), `flat` (revenue spread evenly: all buying accounts high) or
    `none` (nobody bought in the window).
    """

    mode: str
    n: int
    k: int
    threshold: float | None
    top_revenue_share: float | None
    average: float | None
