"""Knowledge gaps: questions the advisor could not answer, kept for whoever writes cards."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GapLog:
    """Appends one JSON line per gap to a file under ADVISOR_HOME."""

    path: Path

    def record(self, question: str, language: str, reason: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "question": question,
            "language": language,
            "reason": reason,
        }
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def entries(self) -> list[dict[str, str]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text("utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
