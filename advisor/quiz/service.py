"""The quiz as the conversation and the CLI use it: pose, answer, progress, summaries.

Everything a trainee does is stored at once (`QuizStore`), and a question is
rebuilt from its id when answered, so a restart between the question and the
answer loses nothing. The wall clock is injected (tests pass a fake one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from advisor.clock import Clock, utcnow
from advisor.quiz.bank import QuizBank, QuizError
from advisor.quiz.questions import Question
from advisor.quiz.schedule import Item, TopicStats, after_answer, next_card, topic_stats
from advisor.quiz.store import Asked, QuizStore
from advisor.quiz.texts import topics
from advisor.users.store import Role, User

if TYPE_CHECKING:
    from advisor.accounts.portfolio import PortfolioAnalysis
    from advisor.quiz.questions import Cards


def _code(tag: str) -> str:
    """The generation language of a chat language tag (zh-Hant is written from zh)."""
    return tag.split("-", 1)[0]


@dataclass(frozen=True)
class Posed:
    """A question put to a user: its row in the store, and the question itself."""

    asked_id: int
    question: Question
    lang: str  # the tag it was asked in (en, ko, zh, zh-Hant)
    why: str = "new"  # due | new | ahead | again | follow-up


@dataclass(frozen=True)
class Result:
    posed: Posed
    choice: int
    right: bool
    already: bool = False  # answered before: nothing changed
    item: Item | None = None
    follow_up: Posed | None = None


@dataclass(frozen=True)
class Progress:
    topics: list[TopicStats]

    @property
    def answers(self) -> int:
        return sum(t.answers for t in self.topics)

    @property
    def correct(self) -> int:
        return sum(t.correct for t in self.topics)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None

    @property
    def due(self) -> int:
        return sum(t.due for t in self.topics)

    @property
    def seen(self) -> int:
        return sum(t.seen for t in self.topics)

    @property
    def mastered(self) -> int:
        return sum(t.mastered for t in self.topics)

    @property
    def weakest(self) -> TopicStats | None:
        practised = [t for t in self.topics if t.answers]
        return min(practised, key=lambda t: (t.accuracy or 0.0, -t.answers), default=None)


@dataclass(frozen=True)
class TraineeSummary:
    user: User
    progress: Progress
    last_at: dt.datetime | None


class QuizService:
    def __init__(self, bank: QuizBank, store: QuizStore, now: Clock = utcnow) -> None:
        self.bank = bank
        self.store = store
        self._now = now

    def now(self) -> dt.datetime:
        """The injected clock, in UTC (what the store writes and compares)."""
        return self._now().astimezone(dt.UTC)

    @classmethod
    def over(
        cls,
        engine: Engine,
        knowledge: Cards,
        now: Clock = utcnow,
        sample: Callable[[], PortfolioAnalysis] | None = None,
    ) -> QuizService:
        """A quiz over a knowledge base, stored in the database of `engine`."""
        bank = QuizBank(knowledge, sample) if sample is not None else QuizBank(knowledge)
        return cls(bank, QuizStore(engine), now)

    def _cards(self) -> list[tuple[str, str]]:
        return [(c.id, self.bank.topic(c.id)) for c in self.bank.cards]

    # ---- asking ----------------------------------------------------------------

    def next(self, user_id: int, lang: str) -> Posed | None:
        """The question the user should answer now: one left unanswered, else the schedule's."""
        pending = self.store.pending(user_id)
        if pending is not None:
            try:
                question = self.bank.question(pending.question_id, _code(lang))
            except QuizError:
                question = None  # the cards changed since: pose a fresh one
            if question is not None:
                if pending.lang != lang:
                    self.store.set_lang(pending.id, lang)
                return Posed(pending.id, question, lang, "again")
        items = self.store.items(user_id)
        pick = next_card(items, self._cards(), self.now())
        if pick is None:
            return None
        seen = items[pick.card_id].seen if pick.card_id in items else 0
        question = self.bank.question_for(pick.card_id, seen, _code(lang))
        return self._pose(user_id, question, lang, pick.why)

    def _pose(self, user_id: int, question: Question, lang: str, why: str) -> Posed:
        asked_id = self.store.ask(
            user_id, question.id, question.card_id, question.topic, lang, self.now()
        )
        return Posed(asked_id, question, lang, why)

    # ---- answering ---------------------------------------------------------------

    def posed(self, user_id: int, asked_id: int) -> tuple[Asked, Question] | None:
        asked = self.store.asked(asked_id)
        if asked is None or asked.user_id != user_id:
            return None
        try:
            return asked, self.bank.question(asked.question_id, _code(asked.lang))
        except QuizError:
            return None

    def answer(self, user_id: int, asked_id: int, choice: int) -> Result | None:
        """None when the question is not this user's, or no longer exists."""
        found = self.posed(user_id, asked_id)
        if found is None:
            return None
        asked, question = found
        posed = Posed(asked.id, question, asked.lang)
        if not 0 <= choice < len(question.options):
            return None
        if asked.answered_at is not None:
            return Result(
                posed,
                asked.choice if asked.choice is not None else choice,
                bool(asked.correct),
                already=True,
            )
        now = self.now()
        right = choice == question.correct
        item = after_answer(
            self.store.items(user_id).get(question.card_id), question.card_id, right, now
        )
        if not self.store.answer(asked, choice, right, item, now):
            return Result(posed, choice, right, already=True)
        follow_up = None
        if question.follow_up:
            try:
                follow = self.bank.question(question.follow_up, _code(asked.lang))
                follow_up = self._pose(user_id, follow, asked.lang, "follow-up")
            except QuizError:
                follow_up = None
        return Result(posed, choice, right, item=item, follow_up=follow_up)

    # ---- progress --------------------------------------------------------------

    def progress(self, user_id: int) -> Progress:
        return self._progress(self.store.items(user_id))

    def _progress(self, items: dict[str, Item]) -> Progress:
        order = [t.id for t in topics()]
        return Progress(topic_stats(items, self._cards(), self.now(), order))

    def summaries(self, users: Iterable[User]) -> list[TraineeSummary]:
        """Every trainee, and anyone else who has practised: most recently active first."""
        activity = self.store.activity()
        items = self.store.all_items()
        out = []
        for user in users:
            if user.role is not Role.TRAINEE and user.user_id not in activity:
                continue
            last = activity[user.user_id].last_at if user.user_id in activity else None
            out.append(TraineeSummary(user, self._progress(items.get(user.user_id, {})), last))
        return sorted(
            out,
            key=lambda s: (
                s.last_at is None,
                -s.last_at.timestamp() if s.last_at else 0.0,
                s.user.user_id,
            ),
        )
