"""Segment movement: each account's segment a quarter ago and now.

The quarter-ago segment is a full re-segmentation as of three months earlier
(same day, clamped to the month's end), on the transactions known by then, so
thresholds are those of that time. EI→EII is the alarm a manager wants: a top
account that stopped being steady.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from advisor.accounts.metrics import Purchases, shift_months
from advisor.accounts.segmentation import Segmentation, SegmentConfig, segment_accounts

# Contribution counts double, stability single: EI 3 > EII 2 > EIII 1 > EIV 0.
LEVEL = {"EI": 3, "EII": 2, "EIII": 1, "EIV": 0}
# Moves a manager should hear about at once.
ALARMS = frozenset({("EI", "EII"), ("EI", "EIV"), ("EI", "EIII"), ("EII", "EIV")})


@dataclass(frozen=True)
class Move:
    account_id: str
    before: str | None
    now: str

    @property
    def moved(self) -> bool:
        return self.before is not None and self.before != self.now

    @property
    def direction(self) -> str:
        """`down`, `up`, `converted` (prospect or future → customer), `new` or `same`."""
        if self.before is None:
            return "new"
        if self.before == self.now:
            return "same"
        if self.before in LEVEL and self.now in LEVEL:
            return "down" if LEVEL[self.now] < LEVEL[self.before] else "up"
        if self.now in LEVEL:
            return "converted"
        return "down" if self.before in LEVEL else "up"

    @property
    def alarm(self) -> bool:
        return (self.before, self.now) in ALARMS


def quarter_earlier(as_of: dt.date) -> dt.date:
    return shift_months(as_of, -3)


def previous_segmentation(
    transactions: pl.DataFrame,
    accounts: pl.DataFrame | None,
    as_of: dt.date,
    config: SegmentConfig | None = None,
    purchases: Purchases | None = None,
) -> Segmentation:
    """The segmentation as it stood a quarter before `as_of`."""
    return segment_accounts(transactions, accounts, quarter_earlier(as_of), config, purchases)


def movements(now: Segmentation, before: Segmentation) -> dict[str, Move]:
    """Move per account id; accounts unknown a quarter ago have `before=None`."""
    earlier = dict(before.frame.select("account_id", "segment").iter_rows())
    return {
        account_id: Move(account_id, earlier.get(account_id), segment)
        for account_id, segment in now.frame.select("account_id", "segment").iter_rows()
    }


def movement_matrix(moves: dict[str, Move]) -> list[dict[str, object]]:
    """Counts of each from → to pair that changed, alarms first, then by count."""
    counts: dict[tuple[str, str], int] = {}
    for move in moves.values():
        if move.moved and move.before is not None:
            counts[(move.before, move.now)] = counts.get((move.before, move.now), 0) + 1
    rows = [
        {"from": a, "to": b, "accounts": n, "alarm": (a, b) in ALARMS}
        for (a, b), n in counts.items()
    ]
    return sorted(rows, key=lambda r: (not r["alarm"], -int(r["accounts"]), r["from"], r["to"]))  # type: ignore[call-overload]
