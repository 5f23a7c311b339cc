"""Cross-language query expansion from the domain glossary (knowledge/glossary.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.textnorm import to_simplified
from knowledge.yamlfile import load_yaml

GLOSSARY_FILE = Path(__file__).parents[1] / "glossary.yaml"


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", to_simplified(text).lower()).strip()


@dataclass(frozen=True)
class Glossary:
    entries: tuple[dict[str, tuple[str, ...]], ...]

    def __post_init__(self) -> None:
        # Terms normalised once, not on every query: (entry, [(term, key), ...]).
        keyed = tuple(
            (entry, [(term, _key(term)) for terms in entry.values() for term in terms])
            for entry in self.entries
        )
        object.__setattr__(self, "_keyed", keyed)

    @classmethod
    def load(cls, path: Path = GLOSSARY_FILE) -> Glossary:
        raw = load_yaml(path.read_text("utf-8")) or {}
        entries = tuple(
            {lang: tuple(str(t) for t in terms or ()) for lang, terms in entry.items()}
            for entry in raw.get("terms") or ()
        )
        return cls(entries)

    def matches(self, query: str) -> list[dict[str, tuple[str, ...]]]:
        """Entries with a term that occurs in the query (Latin terms as whole words)."""
        text = _key(query)
        return [entry for entry, keyed in self._keyed if any(_occurs(k, text) for _, k in keyed)]

    def expand(self, query: str, *, per_language: int | None = None, skip: str = "") -> list[str]:
        """The other terms of every matching entry, each once.

        `per_language` keeps only that many first terms of each language of an
        entry; `skip` names a language (en, ko, zh) whose terms are left out —
        the question's own, which the embedder already reads.
        """
        text = _key(query)
        extra: list[str] = []
        for entry in self.matches(query):
            for lang, terms in entry.items():
                if lang == skip:
                    continue
                for term in terms[:per_language]:
                    if not _occurs(_key(term), text) and term not in extra:
                        extra.append(term)
        return extra


_HANGUL = re.compile(r"[\uac00-\ud7af]")


@lru_cache(maxsize=4096)
def _korean_phrase(term: str) -> re.Pattern[str]:
    """A Korean term of several words, each word allowed its endings: Korean attaches
    particles and inflections to the word, so 감정적 의존 is also 감정적으로 의존하게."""
    words = term.split()
    return re.compile(r"[\uac00-\ud7af]*\s*".join(re.escape(w) for w in words))


@lru_cache(maxsize=4096)
def _latin_word(term: str) -> re.Pattern[str]:
    """A Latin term as a whole word, plural allowed. Compiled once: the glossary has
    more terms than `re` keeps compiled, so they were compiled again on every query."""
    return re.compile(rf"(?<![a-z]){re.escape(term)}(?:s|es)?(?![a-z])")


def _occurs(term: str, text: str) -> bool:
    # A plain substring test first: most terms are absent, and compiling a pattern
    # for each of the glossary's terms cost a cold command a third of a second.
    if term.isascii():
        return term in text and _latin_word(term).search(text) is not None
    if " " in term and _HANGUL.search(term):
        return term.split()[0] in text and _korean_phrase(term).search(text) is not None
    return term in text
