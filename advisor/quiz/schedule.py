"""Spaced repetition: a Leitner box per (trainee, card), and which card to ask next.

A card answered right moves up a box and comes back later (1, 2, 3, 5, 8, 13
days for boxes 1–6); answered wrong it goes back to box 1, due tomorrow. The
next card is the most overdue one; with nothing due, a card never seen yet from
the trainee's weakest topic; with every card seen and none due, the one due
soonest (practice ahead). Pure functions: the time is always passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

INTERVAL_DAYS = (1, 2, 3, 5, 8, 13)  # box 1 … box 6
MASTERED_BOX = 4  # from here on a card counts as learnt


@dataclass(frozen=True)
class Item:
    """One trainee's record of one card."""

    card_id: str
    box: int
    due: dt.datetime
    seen: int  # answers given
    correct: int
    last_at: dt.datetime | None = None


def interval(box: int) -> dt.timedelta:
    return dt.timedelta(days=INTERVAL_DAYS[max(1, min(box, len(INTERVAL_DAYS))) - 1])


def after_answer(item: Item | None, card_id: str, right: bool, now: dt.datetime) -> Item:
    """The card's record once it has been answered (right or wrong) at `now`."""
    if item is None:
        item = Item(card_id, 1, now, 0, 0)
    box = min(item.box + 1, len(INTERVAL_DAYS)) if right else 1
    return replace(
        item,
        box=box,
        due=now + interval(box),
        seen=item.seen + 1,
        correct=item.correct + int(right),
        last_at=now,
    )


@dataclass(frozen=True)
class Pick:
    card_id: str
    why: str  # due | new | ahead


@dataclass(frozen=True)
class TopicStats:
    topic: str
    cards: int  # cards in the topic
    seen: int  # cards answered at least once
    answers: int
    correct: int
    due: int
    mastered: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


def topic_stats(
    items: Mapping[str, Item],
    cards: Sequence[tuple[str, str]],
    now: dt.datetime,
    topic_order: Sequence[str] = (),
) -> list[TopicStats]:
    """Per topic: `cards` are (card id, topic) in the bank's order."""
    by_topic: dict[str, list[str]] = {}
    for card_id, topic in cards:
        by_topic.setdefault(topic, []).append(card_id)
    order = {t: n for n, t in enumerate(topic_order)}
    out = []
    for topic in sorted(by_topic, key=lambda t: (order.get(t, len(order)), t)):
        mine = [items[c] for c in by_topic[topic] if c in items]
        out.append(
            TopicStats(
                topic=topic,
                cards=len(by_topic[topic]),
                seen=sum(1 for i in mine if i.seen),
                answers=sum(i.seen for i in mine),
                correct=sum(i.correct for i in mine),
                due=sum(1 for i in mine if i.due <= now),
                mastered=sum(1 for i in mine if i.box >= MASTERED_BOX),
            )
        )
    return out


def next_card(
    items: Mapping[str, Item], cards: Sequence[tuple[str, str]], now: dt.datetime
) -> Pick | None:
    """Due first (most overdue, then lowest box), else new from the weakest topic, else ahead."""
    known = {card_id for card_id, _ in cards}
    due = sorted(
        (i for i in items.values() if i.card_id in known and i.due <= now),
        key=lambda i: (i.due, i.box, i.card_id),
    )
    if due:
        return Pick(due[0].card_id, "due")
    topics = [t for _, t in cards]
    stats = {s.topic: s for s in topic_stats(items, cards, now, list(dict.fromkeys(topics)))}
    order = list(dict.fromkeys(topics))

    def weakness(topic: str) -> tuple[float, int, int]:
        # A topic never practised counts as the weakest; then by accuracy, then
        # the fewer answers (less evidence it is known), then the list's order.
        s = stats[topic]
        return (s.accuracy if s.accuracy is not None else 0.0, s.answers, order.index(topic))

    for topic in sorted(order, key=weakness):
        for card_id, card_topic in cards:
            if card_topic == topic and card_id not in items:
                return Pick(card_id, "new")
    ahead = sorted(
        (i for i in items.values() if i.card_id in known), key=lambda i: (i.due, i.box, i.card_id)
    )
    return Pick(ahead[0].card_id, "ahead") if ahead else None
