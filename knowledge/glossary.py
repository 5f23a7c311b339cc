"""Cross-language query expansion from the domain glossary (knowledge/glossary.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.textnorm import to_simplified

GLOSSARY_FILE = Path(__file__).parent / "glossary.yaml"


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", to_simplified(text).lower()).strip()


@dataclass(frozen=True)
class Glossary:
    entries: tuple[dict[str, tuple[str, ...]], ...]

    @classmethod
    def load(cls, path: Path = GLOSSARY_FILE) -> Glossary:
        raw = yaml.safe_load(path.read_text("utf-8")) or {}
        entries = tuple(
            {lang: tuple(str(t) for t in terms or ()) for lang, terms in entry.items()}
            for entry in raw.get("terms") or ()
        )
        return cls(entries)

    def matches(self, query: str) -> list[dict[str, tuple[str, ...]]]:
        """Entries with a term that occurs in the query (Latin terms as whole words)."""
        text = _key(query)
        found = []
        for entry in self.entries:
            for terms in entry.values():
                if any(_occurs(_key(term), text) for term in terms):
                    found.append(entry)
                    break
        return found

    def expand(self, query: str) -> list[str]:
        """The other terms of every matching entry, each once."""
        text = _key(query)
        extra: list[str] = []
        for entry in self.matches(query):
            for terms in entry.values():
                for term in terms:
                    if not _occurs(_key(term), text) and term not in extra:
                        extra.append(term)
        return extra


def _occurs(term: str, text: str) -> bool:
    if term.isascii():
        return re.search(rf"(?<![a-z]){re.escape(term)}(?:s|es)?(?![a-z])", text) is not None
    return term in text
