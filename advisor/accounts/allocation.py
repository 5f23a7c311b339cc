"""Where a rep's hours go, from the segments of the rep's own accounts.

Source 002 (the EI–EIV / PI–PIV model) says a rep's time is itself a resource
and must be spread unequally: EI customers matter but are less urgent than EII,
so EI gets a long-term plan carried out step by step; EII needs more time and
energy now, to find why it wavers and fix it; EIII is served by regular visits;
EIV gets relatively little. Prospects are the growth point: PI should be closed
as fast as possible ("a day's delay can be a loss"), PII needs patient,
sustained nurturing, and future customers need only the groundwork of
gathering information. The weights below encode that order; they are data, so
a team can change them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Relative hours per account of each segment. EII highest (urgent), EI next
# (important, planned), EIII regular visits, EIV least; PI near EI (close fast),
# PII a steady investment, PIII/PIV and F light.
WEIGHTS: dict[str, float] = {
    "EII": 4.0,
    "EI": 3.0,
    "EIII": 2.0,
    "EIV": 0.5,
    "PI": 3.0,
    "PII": 2.0,
    "PIII": 1.0,
    "PIV": 0.5,
    "F": 0.25,
}
ORDER = ("EII", "EI", "PI", "EIII", "PII", "PIII", "EIV", "PIV", "F")  # by urgency


@dataclass(frozen=True)
class SegmentHours:
    segment: str
    accounts: int
    weight: float
    share: float  # of the rep's hours
    hours: float  # per week, of `hours_per_week`
    hours_per_account: float


@dataclass
class RepAllocation:
    owner: str
    accounts: int
    hours_per_week: float
    segments: list[SegmentHours] = field(default_factory=list)
    focus: list[str] = field(default_factory=list)  # account ids that come first

    def as_dict(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "accounts": self.accounts,
            "hours_per_week": self.hours_per_week,
            "segments": [s.__dict__ for s in self.segments],
            "focus": self.focus,
        }


def time_allocation(
    rows: Iterable[Mapping[str, Any]],
    hours_per_week: float = 40.0,
    weights: Mapping[str, float] | None = None,
    focus_size: int = 5,
) -> list[RepAllocation]:
    """One allocation per owner (accounts without an owner are grouped as "(none)").

    `rows` need `account_id`, `owner`, `segment` and `revenue`. Focus lists the
    EII, then EI and PI accounts with the most revenue (or expected revenue).
    """
    weights = dict(WEIGHTS if weights is None else weights)
    by_owner: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_owner.setdefault(row.get("owner") or "(none)", []).append(row)
    result = []
    for owner in sorted(by_owner):
        accounts = by_owner[owner]
        counts: dict[str, int] = {}
        for row in accounts:
            counts[row["segment"]] = counts.get(row["segment"], 0) + 1
        total = sum(weights.get(s, 0.0) * n for s, n in counts.items())
        segments = []
        for segment in ORDER:
            n = counts.get(segment, 0)
            if not n:
                continue
            share = weights.get(segment, 0.0) * n / total if total else 0.0
            segments.append(
                SegmentHours(
                    segment=segment,
                    accounts=n,
                    weight=weights.get(segment, 0.0),
                    share=round(share, 4),
                    hours=round(share * hours_per_week, 1),
                    hours_per_account=round(share * hours_per_week / n, 2),
                )
            )
        result.append(
            RepAllocation(
                owner, len(accounts), hours_per_week, segments, _focus(accounts, focus_size)
            )
        )
    return result


def _focus(accounts: list[Mapping[str, Any]], size: int) -> list[str]:
    rank = {segment: i for i, segment in enumerate(ORDER)}

    def key(row: Mapping[str, Any]) -> tuple[int, float]:
        value = row.get("revenue") or row.get("expected_revenue") or 0.0
        return rank.get(row["segment"], len(ORDER)), -float(value)

    ordered = sorted((r for r in accounts if r["segment"] in ("EII", "EI", "PI")), key=key)
    return [r["account_id"] for r in ordered[:size]]
