"""The quiz's data and words (advisor/data/messages/quiz.yaml): topics, the segment →
strategy map, situation scenes, true/false statements and the question texts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from advisor.i18n.catalogue import QUIZ
from knowledge.cards import Card

OTHER_TOPIC = "other"


def quiz_data() -> dict[str, Any]:
    return QUIZ.data


@dataclass(frozen=True)
class Topic:
    id: str
    label: Mapping[str, str]
    files: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def topics() -> tuple[Topic, ...]:
    return tuple(
        Topic(t["id"], t["label"], tuple(t.get("files") or ()), tuple(t.get("kinds") or ()))
        for t in quiz_data()["topics"]
    )


def topic_label(topic_id: str, lang: str) -> str:
    for topic in topics():
        if topic.id == topic_id:
            return topic.label[lang]
    return topic_id


def topic_of(card: Card) -> str:
    """The card's topic: by kind first (a risk is a churn reason wherever it is told), then
    by file; cards from files the list does not know (a team's own) are `other`."""
    for topic in topics():
        if card.kind in topic.kinds:
            return topic.id
    for topic in topics():
        if card.file in topic.files:
            return topic.id
    return OTHER_TOPIC


def segment_strategy() -> dict[str, str]:
    return dict(quiz_data()["segment_strategy"])


def scenario(situation: str, lang: str) -> str | None:
    scene = quiz_data()["scenarios"].get(situation)
    return scene[lang] if scene else None


@dataclass(frozen=True)
class Statement:
    card_id: str
    holds: bool
    text: Mapping[str, str]


def statements() -> list[Statement]:
    return [Statement(s["card"], bool(s["holds"]), s["text"]) for s in quiz_data()["statements"]]
