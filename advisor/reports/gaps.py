"""Knowledge gaps: what the guidance did not answer well, kept for whoever writes cards.

Three sources: questions answered "I don't know" and searches that found no
card (both in the gap log, `ADVISOR_HOME/logs/knowledge_gaps.jsonl`), and
answers marked 👎 (the feedback table of the user store, which also knows when
a 👎 was changed to 👍). `gap_report` groups them by language and the situations
the question describes, and within that by near-duplicate wording (rapidfuzz),
so the most asked missing topics come first.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.clock import Clock, utcnow

if TYPE_CHECKING:
    from advisor.users.store import Feedback

DONT_KNOW = "not covered by the guidance"
THUMBS_DOWN = "marked not helpful (👎) in chat"
WEAK_RETRIEVAL = "weak retrieval"
SOURCES = {DONT_KNOW: "dont_know", THUMBS_DOWN: "thumbs_down", WEAK_RETRIEVAL: "weak_retrieval"}
SIMILAR = 85  # rapidfuzz score (0–100) from which two questions are one gap
VARIANTS_SHOWN = 5
_PUNCTUATION = re.compile(r"[^\w\s%]+", re.UNICODE)


@dataclass(frozen=True)
class GapLog:
    """Appends one JSON line per gap to a file under ADVISOR_HOME."""

    path: Path
    clock: Clock = field(default=utcnow, compare=False, repr=False)

    def record(self, question: str, language: str, reason: str, **extra: Any) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "at": self.clock().astimezone(dt.UTC).isoformat(timespec="seconds"),
            "question": question,
            "language": language,
            "reason": reason,
            **extra,
        }
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text("utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


@dataclass(frozen=True)
class GapEntry:
    question: str
    language: str
    source: str  # dont_know | thumbs_down | weak_retrieval | other
    at: dt.datetime | None = None
    score: float | None = None  # the top search score, for weak retrieval


@dataclass
class GapGroup:
    question: str  # the wording asked most often (the first, on a tie)
    language: str
    situations: tuple[str, ...]
    entries: list[GapEntry]

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def sources(self) -> dict[str, int]:
        return dict(Counter(e.source for e in self.entries).most_common())

    @property
    def variants(self) -> list[str]:
        return [q for q, _ in Counter(e.question for e in self.entries).most_common()]

    @property
    def last_at(self) -> dt.datetime | None:
        return max((e.at for e in self.entries if e.at), default=None)

    @property
    def first_at(self) -> dt.datetime | None:
        return min((e.at for e in self.entries if e.at), default=None)

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "language": self.language,
            "situations": list(self.situations),
            "count": self.count,
            "sources": self.sources,
            "first_at": self.first_at.isoformat() if self.first_at else None,
            "last_at": self.last_at.isoformat() if self.last_at else None,
            "variants": self.variants[:VARIANTS_SHOWN],
        }


def _when(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def gap_entries(
    logged: Iterable[dict[str, Any]],
    feedback: Iterable[Feedback] | None = None,
    since: dt.date | None = None,
) -> list[GapEntry]:
    """The gap log's entries and the 👎 votes (`users.Feedback`), oldest first.

    With the feedback table at hand, the log's own 👎 lines are skipped: the table
    has them too, and knows which were taken back.
    """
    out = []
    for entry in logged:
        source = SOURCES.get(str(entry.get("reason")), "other")
        if source == "thumbs_down" and feedback is not None:
            continue
        out.append(
            GapEntry(
                str(entry.get("question", "")),
                str(entry.get("language", "")),
                source,
                _when(entry.get("at")),
                entry.get("score"),
            )
        )
    for vote in feedback or ():
        if vote.vote < 0:
            out.append(GapEntry(vote.question, vote.language, "thumbs_down", _when(vote.at)))
    if since is not None:
        out = [e for e in out if e.at is None or e.at.date() >= since]
    return sorted(out, key=lambda e: (e.at is None, e.at or dt.datetime.min.replace(tzinfo=dt.UTC)))


def normalise(question: str) -> str:
    """Lowercase, traditional folded to simplified, punctuation and spacing dropped."""
    from knowledge.textnorm import to_simplified

    text = _PUNCTUATION.sub(" ", to_simplified(question).lower())
    return " ".join(text.split())


def _similar(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    # Word order varies between two askings of one question; a Chinese question has
    # no spaces, where the plain ratio over characters does the work.
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def gap_report(entries: Sequence[GapEntry], similar: float = SIMILAR) -> list[GapGroup]:
    """Groups of one language and one set of situations, near-duplicates together;
    the largest first, then the most recent."""
    from advisor.answering.understanding import detect_situations

    groups: list[tuple[str, GapGroup]] = []  # (normalised representative, group)
    for entry in entries:
        if not entry.question.strip():
            continue
        key = normalise(entry.question)
        language = entry.language.split("-")[0]
        situations = detect_situations(entry.question)
        for representative, group in groups:
            if (
                group.language == language
                and group.situations == situations
                and _similar(key, representative) >= similar
            ):
                group.entries.append(entry)
                break
        else:
            groups.append((key, GapGroup(entry.question, language, situations, [entry])))
    out = [group for _, group in groups]
    for group in out:
        group.question = group.variants[0]
    return sorted(out, key=lambda g: (-g.count, -g.last_at.timestamp() if g.last_at else 0.0))


def gap_lines(groups: Sequence[GapGroup]) -> list[str]:
    """The report for a terminal: one block per group."""
    if not groups:
        return ["no knowledge gaps recorded"]
    lines = []
    for n, group in enumerate(groups, start=1):
        sources = ", ".join(f"{k} {v}" for k, v in group.sources.items())
        about = ", ".join(group.situations) or "no known situation"
        last = group.last_at.date().isoformat() if group.last_at else "?"
        lines.append(f"{n}. [{group.language}] {group.question}")
        lines.append(f"   {group.count}× ({sources}); situations: {about}; last {last}")
        for variant in group.variants[1:VARIANTS_SHOWN]:
            lines.append(f"   also: {variant}")
    return lines
