"""Trilingual playbook cards: loading and checking (see knowledge/cards/README.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import CardError
from knowledge.korean import register_slips
from knowledge.language import ENGLISH, KOREAN, detect_language
from knowledge.textnorm import match_key
from knowledge.yamlfile import load_yaml, load_yaml_file

KNOWLEDGE_DIR = Path(__file__).parent
CARDS_DIR = KNOWLEDGE_DIR / "cards"
VOCABULARY_FILE = KNOWLEDGE_DIR / "vocabulary.yaml"
CARD_LANGUAGES = ("en", "ko", "zh")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TEXT_FIELDS = ("title", "summary")
_OPTIONAL_TEXT_FIELDS = ("when", "risk")
# Questions a rep would type for which the card is the answer, per language:
# they make the card findable in a rep's own words (see cards/README.md).
MIN_EXAMPLES = 5


@dataclass(frozen=True)
class Anchor:
    source: str
    quote: str


@dataclass(frozen=True)
class Card:
    id: str
    file: str
    title: Mapping[str, str]
    summary: Mapping[str, str]
    actions: Mapping[str, tuple[str, ...]]
    anchors: tuple[Anchor, ...]
    segments: tuple[str, ...]
    situations: tuple[str, ...]
    stage: str
    kind: str
    when: Mapping[str, str] | None = None
    risk: Mapping[str, str] | None = None
    examples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        """Everything the card says in one language: what gets embedded and indexed."""
        parts = [self.title[lang], self.summary[lang], *self.actions[lang]]
        parts += [extra[lang] for extra in (self.when, self.risk) if extra]
        return "\n".join(parts)


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, dict[str, dict[str, str]]]:
    return load_yaml(VOCABULARY_FILE.read_text("utf-8"))


def _texts(raw: Any) -> dict[str, str]:
    return {lang: str(raw.get(lang, "")).strip() for lang in CARD_LANGUAGES} if raw else {}


def _lists(raw: Any) -> dict[str, tuple[str, ...]]:
    raw = raw or {}
    return {lang: tuple(str(t).strip() for t in raw.get(lang) or ()) for lang in CARD_LANGUAGES}


def _card(raw: Mapping[str, Any], file: str) -> Card:
    actions_raw = raw.get("actions") or {}
    when, risk = raw.get("when"), raw.get("risk")
    return Card(
        id=str(raw.get("id", "")),
        file=file,
        title=_texts(raw.get("title")),
        summary=_texts(raw.get("summary")),
        actions={
            lang: tuple(str(a).strip() for a in actions_raw.get(lang) or ())
            for lang in CARD_LANGUAGES
        },
        anchors=tuple(
            Anchor(str(a.get("source", "")), str(a.get("quote", "")))
            for a in raw.get("anchors") or ()
        ),
        segments=tuple(raw.get("segments") or ()),
        situations=tuple(raw.get("situations") or ()),
        stage=str(raw.get("stage", "")),
        kind=str(raw.get("kind", "")),
        when=_texts(when) if when else None,
        risk=_texts(risk) if risk else None,
        examples=_lists(raw.get("examples")),
    )


def load_cards(directory: Path = CARDS_DIR, cache_dir: Path | None = None) -> list[Card]:
    """Every card in every YAML file of `directory`, in file order; `cache_dir` keeps
    the parsed files for a quicker start (see `load_yaml_file`)."""
    cards: list[Card] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            document = load_yaml_file(path, cache_dir) or {}
        except yaml.YAMLError as exc:
            raise CardError(f"{path.name}: not valid YAML: {exc}") from exc
        for raw in document.get("cards") or ():
            cards.append(_card(raw, path.name))
    return cards


def _language_ok(text: str, lang: str) -> bool:
    detected = detect_language(text)
    if lang == "en":
        return detected == ENGLISH
    if lang == "ko":
        return detected == KOREAN
    return detected.startswith("zh")


def check_cards(cards: Iterable[Card], sources: Mapping[str, str]) -> list[str]:
    """Every rule a card breaks, as `FILE: card ID: problem` lines; empty when all is well.

    `sources` maps a source file name to its text; anchors are resolved with the
    matching normalisation (`textnorm.match_key`).
    """
    vocab = vocabulary()
    source_keys = {name: match_key(text) for name, text in sources.items()}
    problems: list[str] = []
    seen: dict[str, str] = {}
    for card in cards:
        where = f"{card.file}: card {card.id or '?'}"

        def problem(message: str, where: str = where) -> None:
            problems.append(f"{where}: {message}")

        if not _ID.match(card.id):
            problem("id must be lowercase letters, digits and hyphens")
        if card.id in seen:
            problem(f"id already used in {seen[card.id]}")
        seen[card.id] = card.file
        for name in _TEXT_FIELDS:
            for lang in CARD_LANGUAGES:
                text = getattr(card, name).get(lang, "")
                if not text:
                    problem(f"{name}.{lang} is missing or empty")
                elif not _language_ok(text, lang):
                    problem(f"{name}.{lang} is not written in {lang}: {text[:40]!r}")
        for name in _OPTIONAL_TEXT_FIELDS:
            texts = getattr(card, name)
            if texts is None:
                if name == "when" or card.kind == "negotiation-tactic":
                    problem(f"a {card.kind} card needs `{name}`")
                continue
            for lang in CARD_LANGUAGES:
                if not texts.get(lang):
                    problem(f"{name}.{lang} is missing or empty")
                elif not _language_ok(texts[lang], lang):
                    problem(f"{name}.{lang} is not written in {lang}")
        counts = {lang: len(card.actions[lang]) for lang in CARD_LANGUAGES}
        if not counts["en"]:
            problem("no actions")
        if len(set(counts.values())) > 1:
            problem(f"action counts differ between languages: {counts}")
        for lang in CARD_LANGUAGES:
            for action in card.actions[lang]:
                if not action or not _language_ok(action, lang):
                    problem(f"actions.{lang} has a text not in {lang}: {action[:40]!r}")
        for lang in CARD_LANGUAGES:
            examples = card.examples.get(lang, ())
            if len(examples) < MIN_EXAMPLES:
                problem(f"examples.{lang} has {len(examples)} questions; at least {MIN_EXAMPLES}")
            if len(set(examples)) != len(examples):
                problem(f"examples.{lang} repeats a question")
            for example in examples:
                if not example or not _language_ok(example, lang):
                    problem(f"examples.{lang} has a question not in {lang}: {example[:40]!r}")
        ko_texts = [card.title.get("ko", ""), card.summary.get("ko", ""), *card.actions["ko"]]
        ko_texts += [extra.get("ko", "") for extra in (card.when, card.risk) if extra]
        for text in ko_texts:
            for slip in register_slips(text):
                problem(f"ko text leaves 합니다체: {slip!r}")
        for tag, group in (("segments", "segments"), ("situations", "situations")):
            for value in getattr(card, tag):
                if value not in vocab[group]:
                    problem(f"unknown {tag[:-1]} {value!r}")
        if card.stage not in vocab["stages"]:
            problem(f"unknown stage {card.stage!r}")
        if card.kind not in vocab["kinds"]:
            problem(f"unknown kind {card.kind!r}")
        if not card.anchors:
            problem("no anchors")
        for anchor in card.anchors:
            if anchor.source not in source_keys:
                problem(f"anchor names unknown source {anchor.source!r}")
            elif not anchor.quote.strip():
                problem("anchor with an empty quote")
            elif match_key(anchor.quote) not in source_keys[anchor.source]:
                problem(f"quote not found in {anchor.source}: {anchor.quote!r}")
    return problems
