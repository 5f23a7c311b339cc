"""The customer a question is about: its stage and segment, from the account's data when
one is named, or read from how the question describes it.

The sources' two models make the segment: contribution × stability for current
customers (EI–EIV), expected contribution × intent for prospects (PI–PIV).
A description gives an axis only when it says something about it ("orders every
month for three years, but tiny amounts": stable, low → EIII), so a profile
may know the stage and one axis and leave the segment open to two.
Cues are data (advisor/data/customer_cues.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from advisor.answering.understanding import fold as _fold
from knowledge.yamlfile import load_yaml

EXISTING, PROSPECT, FUTURE = "existing", "prospect", "future"
STAGES = (EXISTING, PROSPECT, FUTURE)
# A description whose winning side leads by this many cues is read as a fact.
FIRM_CUES = 2
# (first axis, second axis) → segment; the first side of each axis is the "high" one.
_GRID = {
    EXISTING: {
        ("high", "stable"): "EI",
        ("high", "unstable"): "EII",
        ("low", "stable"): "EIII",
        ("low", "unstable"): "EIV",
    },
    PROSPECT: {
        ("high", "high"): "PI",
        ("high", "low"): "PII",
        ("low", "high"): "PIII",
        ("low", "low"): "PIV",
    },
}


def stage_of_segment(segment: str) -> str:
    if segment == "F":
        return FUTURE
    return PROSPECT if segment.startswith("P") else EXISTING


@dataclass(frozen=True)
class CustomerProfile:
    """What is known of the customer: `segments` is every segment still possible."""

    stage: str | None = None
    contribution: str | None = None  # high | low (expected contribution for a prospect)
    second_axis: str | None = None  # stability (stable | unstable) or intent (high | low)
    source: str = "none"  # account | stated | described | none
    # How firmly a description says the stage and the contribution: by how many cues
    # the winning side leads (FIRM_CUES when a rule settles a tie; 0 when the profile
    # does not come from a description).
    stage_cues: int = field(default=0, compare=False)
    contribution_cues: int = field(default=0, compare=False)
    # The stage the words hinted at gave way to what the guidance answers for.
    stage_reread: bool = field(default=False, compare=False)

    @property
    def segments(self) -> tuple[str, ...]:
        if self.stage == FUTURE:
            return ("F",)
        if self.stage not in _GRID:
            return ()
        return tuple(
            segment
            for (first, second), segment in _GRID[self.stage].items()
            if self.contribution in (None, first) and self.second_axis in (None, second)
        )

    @property
    def segment(self) -> str | None:
        """The one segment, when both axes (or the data) decide it."""
        segments = self.segments
        return segments[0] if len(segments) == 1 else None

    @property
    def known(self) -> bool:
        return self.stage is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "segment": self.segment,
            "segments": list(self.segments),
            "contribution": self.contribution,
            "second_axis": self.second_axis,
            "from": self.source,
        }


@lru_cache(maxsize=1)
def cues() -> dict[str, Any]:
    text = resources.files("advisor").joinpath("data/customer_cues.yaml").read_text("utf-8")
    return load_yaml(text)


@lru_cache(maxsize=4096)
def _pattern(cue: str) -> re.Pattern[str] | None:
    """A regex for a cue: `re:` cues as written, English ones at word boundaries
    (a trailing `*` marks a stem), CJK ones as plain substrings (None)."""
    if cue.startswith("re:"):
        return re.compile(cue[3:])
    folded = _fold(cue)
    if not folded.isascii():
        return None
    if folded.endswith("*"):
        return re.compile(rf"(?<![a-z0-9]){re.escape(folded[:-1])}")
    return re.compile(rf"(?<![a-z0-9]){re.escape(folded)}(?:s|es)?(?![a-z0-9])")


@lru_cache(maxsize=4096)
def _literal(cue: str) -> str:
    """The text a cue cannot match without: a substring test before any regex, since
    compiling a pattern for each of the cues cost a cold command a tenth of a second."""
    if cue.startswith("re:"):
        return ""
    folded = _fold(cue)
    return folded[:-1] if folded.isascii() and folded.endswith("*") else folded


def _matches(folded: str, cue: str) -> list[tuple[int, int]]:
    key = _literal(cue)
    if key not in folded:
        return []
    pattern = _pattern(cue)
    if pattern is not None:
        return [m.span() for m in pattern.finditer(folded)]
    spans, start = [], folded.find(key)
    while key and start >= 0:
        spans.append((start, start + len(key)))
        start = folded.find(key, start + len(key))
    return spans


def count_sides(folded: str, sides: Mapping[str, Mapping[str, Sequence[str]]]) -> dict[str, int]:
    """How many cues of each side occur in an already folded text. Where cues overlap,
    the longest wins ("收集线索" is one cue, not also "线索")."""
    found = [
        (start, end, side)
        for side, by_language in sides.items()
        for cue_list in by_language.values()
        for cue in cue_list
        for start, end in _matches(folded, str(cue))
    ]
    found.sort(key=lambda m: -(m[1] - m[0]))
    taken: list[tuple[int, int]] = []
    counts = dict.fromkeys(sides, 0)
    for start, end, side in found:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        counts[side] += 1
    return counts


def _side(folded: str, axis: Mapping[str, Any]) -> tuple[str | None, int]:
    """The side the cues lean to, and by how many cues."""
    first, second = list(axis)
    counts = count_sides(folded, axis)
    lead = abs(counts[first] - counts[second])
    if counts[first] > counts[second]:
        return first, lead
    return (second if counts[second] > counts[first] else None), lead


def describe(text: str, data: Mapping[str, Any] | None = None) -> CustomerProfile:
    """The profile a question's wording gives (account names removed beforehand)."""
    data = data or cues()
    folded = _fold(text)
    counts = count_sides(folded, data["stage"])
    best = max(counts.values())
    runner_up = sorted(counts.values())[-2]
    leaders = [s for s in STAGES if counts[s] == best]
    stage_cues = best - runner_up
    if best == 0:
        stage = None
    elif len(leaders) == 1:
        stage = leaders[0]
    elif PROSPECT in leaders:
        # "haven't signed yet" outweighs the words of ordering a prospect also uses:
        # against a current customer's words the rule decides, firmly.
        stage = PROSPECT
        if EXISTING in leaders:
            stage_cues = FIRM_CUES
    else:
        stage = leaders[0]
    contribution, contribution_cues = _side(folded, data["contribution"])
    if stage == PROSPECT:
        second, _ = _side(folded, data["intent"])
    elif stage == EXISTING:
        second, _ = _side(folded, data["stability"])
    else:
        second = None
    if stage is None and contribution is None:
        return CustomerProfile()
    return CustomerProfile(
        stage,
        contribution,
        second,
        source="described",
        stage_cues=stage_cues if stage else 0,
        contribution_cues=contribution_cues if contribution else 0,
    )


def from_segment(segment: str, source: str) -> CustomerProfile:
    """The profile of a known segment (from the data, or written in the question)."""
    stage = stage_of_segment(segment)
    if stage == FUTURE:
        return CustomerProfile(FUTURE, source=source)
    for (first, second), code in _GRID[stage].items():
        if code == segment:
            return CustomerProfile(stage, first, second, source=source)
    return CustomerProfile(stage, source=source)
