"""Cleaning of source text: page chrome and encoding debris out, wording kept.

Rules are data: the shared ones in `knowledge/data/boilerplate.yaml`, the ones
particular to a bundled source in `knowledge/sources/manifest.yaml`, and
normalisation tables of spun wording in `knowledge/data/*.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from knowledge.textnorm import PINYIN_ANNOTATION
from knowledge.yamlfile import load_yaml

DATA_DIR = Path(__file__).parents[1] / "data"

_HAN = r"\u3400-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# Debris of a pinyin annotation whose opening bracket and character were lost
# to a broken encoding: `因?yàn)楫` keeps `?yàn)` behind.
_BROKEN_ANNOTATION = re.compile(rf"\?[a-z{_TONED}]*[{_TONED}][a-z{_TONED}]*\)")
# A lone latin letter glued to an annotation, the other half of the same debris.
_ORPHAN_LETTER = re.compile(rf"(?<=[{_HAN}])[a-z](?=\()")
# '?' where a multi-byte character was lost: between or next to Han characters.
_STRAY_QUESTION = re.compile(rf"(?<=[{_HAN}，。、])\?+|\?+(?=[{_HAN}])")
_REPLACEMENT_CHAR = re.compile("\ufffd+")
_INLINE_URL = re.compile(r"https?://\S+|www\.\S+")
_SPACES = re.compile(r"[ \t\u3000]+")


@dataclass(frozen=True)
class CleaningRules:
    drop_lines: tuple[re.Pattern[str], ...] = ()
    cut_from: tuple[re.Pattern[str], ...] = ()
    replacements: tuple[tuple[str, str], ...] = field(default=())

    def merged(self, other: CleaningRules) -> CleaningRules:
        return CleaningRules(
            self.drop_lines + other.drop_lines,
            self.cut_from + other.cut_from,
            self.replacements + other.replacements,
        )


def rules_from_mapping(spec: dict, data_dir: Path = DATA_DIR) -> CleaningRules:
    """Build rules from a manifest entry or the boilerplate file."""
    replacements: list[tuple[str, str]] = []
    if spec.get("substitutions"):
        table = load_yaml((data_dir / f"{spec['substitutions']}.yaml").read_text("utf-8"))
        pairs = (table or {}).get("replacements", {}).items()
        # Longest first, so a phrase is replaced before any word inside it.
        replacements = sorted(pairs, key=lambda kv: -len(kv[0]))
    return CleaningRules(
        drop_lines=tuple(re.compile(p) for p in spec.get("drop_lines") or ()),
        cut_from=tuple(re.compile(p) for p in spec.get("cut_from") or ()),
        replacements=tuple(replacements),
    )


@lru_cache(maxsize=1)
def shared_rules() -> CleaningRules:
    spec = load_yaml((DATA_DIR / "boilerplate.yaml").read_text("utf-8"))
    return rules_from_mapping(spec)


def clean_line(line: str) -> str:
    """Remove encoding debris and annotations from one line; keep its wording."""
    line = _BROKEN_ANNOTATION.sub("", line)
    line = _ORPHAN_LETTER.sub("", line)
    line = PINYIN_ANNOTATION.sub("", line)
    line = _REPLACEMENT_CHAR.sub("", line)
    line = _STRAY_QUESTION.sub("", line)
    line = _INLINE_URL.sub("", line)
    return _SPACES.sub(" ", line).strip()


def normalise_wording(text: str, rules: CleaningRules) -> str:
    """Apply a source's normalisation table (spun words back to the intended ones)."""
    for old, new in rules.replacements:
        text = text.replace(old, new)
    return text


def clean_text(text: str, rules: CleaningRules | None = None) -> str:
    """Clean a whole document: one paragraph per line, chrome dropped.

    The wording is kept; `normalise_wording` makes spun text readable.
    """
    rules = shared_rules() if rules is None else shared_rules().merged(rules)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    kept: list[str] = []
    for raw in text.split("\n"):
        line = clean_line(raw)
        if not line:
            continue
        if any(p.search(line) for p in rules.cut_from):
            break
        if any(p.search(line) for p in rules.drop_lines):
            continue
        kept.append(line)
    return "\n".join(kept)
