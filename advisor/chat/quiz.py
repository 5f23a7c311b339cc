"""The quiz in the conversation: /quiz, its answer buttons, /progress, /trainees.

Button tokens: `qa:ASKED:CHOICE` answers the question stored as ASKED (so it
still works after a restart, and only for the user it was put to), `qn:0` asks
the next question, `qp:0` shows the progress. Renderers are pure: a posed
question or a result in, paragraphs and buttons out.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from advisor.accounts.reasons import percent
from advisor.answering.quoting import clipped, where
from advisor.chat.access import Asker, Users
from advisor.chat.reply import Button, Keyboard, Reply
from advisor.chat.text import Lang, from_tag, text
from advisor.i18n.catalogue import localise
from advisor.quiz import Posed, Progress, QuizService, Result, TraineeSummary
from advisor.quiz.texts import topic_label

QUIZ_ACTIONS = ("qa", "qn", "qp")
SOURCE_CHARS = 600  # a safety cap: the bank already cuts passages to an excerpt


def question_reply_parts(posed: Posed, lang: Lang) -> tuple[tuple[str, ...], Keyboard]:
    q = posed.question
    review = posed.why in ("due", "again")
    header = text(
        "quiz.header_review" if review else "quiz.header",
        lang,
        topic=topic_label(q.topic, lang.code),
    )
    options = "\n".join(f"{n}. {option}" for n, option in enumerate(q.options, start=1))
    parts = (
        header,
        localise(q.prompt, lang.traditional),
        localise(options, lang.traditional),
        text("quiz.choose", lang),
    )
    row = tuple(
        Button(str(n), f"qa:{posed.asked_id}:{n - 1}") for n in range(1, len(q.options) + 1)
    )
    return parts, (row,)


def result_parts(result: Result, lang: Lang) -> tuple[str, ...]:
    q = result.posed.question
    answer = f"{q.correct + 1}. {q.answer}"
    verdict = text("quiz.right" if result.right else "quiz.wrong", lang, answer=answer)
    parts = [localise(verdict, lang.traditional), localise(q.explanation, lang.traditional)]
    if q.source is not None:
        quote = clipped(q.source.text.replace("\n", " ").strip(), SOURCE_CHARS)
        place = where(q.source.source, q.source.heading)
        parts.append(f"{text('quiz.source', lang)} {place}\n“{quote}”")
    if result.item is not None and result.item.last_at is not None:
        days = (result.item.due - result.item.last_at).days
        parts.append(
            text("quiz.next_review_tomorrow", lang)
            if days <= 1
            else text("quiz.next_review", lang, days=days)
        )
    return tuple(parts)


def after_buttons(lang: Lang) -> Keyboard:
    return (
        (
            Button(text("quiz.next", lang), "qn:0"),
            Button(text("quiz.progress_button", lang), "qp:0"),
        ),
    )


def _accuracy(value: float | None) -> str:
    return percent(value) if value is not None else "—"


def progress_parts(progress: Progress, lang: Lang) -> tuple[str, ...]:
    if not progress.answers:
        return (text("progress.none", lang),)
    cards = sum(t.cards for t in progress.topics)
    head = text(
        "progress.header",
        lang,
        answers=progress.answers,
        accuracy=_accuracy(progress.accuracy),
        seen=progress.seen,
        cards=cards,
        mastered=progress.mastered,
        due=progress.due,
    )
    rows = [
        text(
            "progress.row",
            lang,
            topic=topic_label(t.topic, lang.code),
            seen=t.seen,
            cards=t.cards,
            accuracy=_accuracy(t.accuracy),
            due=t.due,
        )
        for t in progress.topics
    ]
    parts = [head, localise("\n".join(rows), lang.traditional)]
    weakest = progress.weakest
    if weakest is not None:
        parts.append(text("progress.weakest", lang, topic=topic_label(weakest.topic, lang.code)))
    return tuple(parts)


def trainees_parts(summaries: Sequence[TraineeSummary], lang: Lang) -> tuple[str, ...]:
    if not summaries:
        return (text("trainees.none", lang),)
    rows = []
    for s in summaries:
        p = s.progress
        weakest = p.weakest
        rows.append(
            text(
                "trainees.row",
                lang,
                user=s.user.owner or s.user.user_id,
                role=text(f"trainees.role.{s.user.role.value}", lang),
                answers=p.answers,
                accuracy=_accuracy(p.accuracy),
                seen=p.seen,
                mastered=p.mastered,
                due=p.due,
                weakest=topic_label(weakest.topic, lang.code) if weakest else "—",
                last=s.last_at.date().isoformat() if s.last_at else text("trainees.never", lang),
            )
        )
    return (
        text("trainees.header", lang, count=len(summaries)),
        localise("\n".join(rows), lang.traditional),
    )


@dataclass
class QuizChat:
    """The quiz commands and buttons of the conversation; the service is built on first use
    over the user store's database when none is given."""

    users: Users
    advisor: Any  # read only on first use: a stranger's message touches nothing
    service: QuizService | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _quiz(self) -> QuizService | None:
        with self._lock:
            if self.service is None:
                engine = getattr(self.users, "engine", None)
                knowledge = getattr(self.advisor, "knowledge", None)
                if engine is None or knowledge is None:
                    return None
                self.service = QuizService.over(engine, knowledge)
            return self.service

    def ask(self, a: Asker) -> Reply:
        quiz = self._quiz()
        if quiz is None:
            return Reply((text("quiz.unavailable", a.lang),))
        posed = quiz.next(a.id, a.lang.tag)
        if posed is None:
            return Reply((text("quiz.empty", a.lang),))
        parts, buttons = question_reply_parts(posed, a.lang)
        return Reply(parts, buttons=buttons)

    def progress(self, a: Asker) -> Reply:
        quiz = self._quiz()
        if quiz is None:
            return Reply((text("quiz.unavailable", a.lang),))
        return Reply(progress_parts(quiz.progress(a.id), a.lang))

    def trainees(self, a: Asker) -> Reply:
        """Every user's practice progress (the command table lets only managers ask)."""
        quiz = self._quiz()
        if quiz is None:
            return Reply((text("quiz.unavailable", a.lang),))
        return Reply(trainees_parts(quiz.summaries(self.users.all_users()), a.lang))

    def press(self, a: Asker, data: str) -> Reply:
        action, _, rest = data.partition(":")
        if action == "qn":
            return self.ask(a)
        if action == "qp":
            return self.progress(a)
        quiz = self._quiz()
        asked, _, choice = rest.partition(":")
        if quiz is None or not (asked.isdigit() and choice.isdigit()):
            return Reply(notice=text("quiz.expired", a.lang))
        result = quiz.answer(a.id, int(asked), int(choice))
        if result is None:
            return Reply(notice=text("quiz.expired", a.lang), keyboard=())
        lang = from_tag(result.posed.lang) or a.lang
        if result.already:
            return Reply(notice=text("quiz.already", lang), keyboard=())
        notice = text("quiz.notice_right" if result.right else "quiz.notice_wrong", lang)
        parts = result_parts(result, lang)
        if result.follow_up is not None:
            follow, buttons = question_reply_parts(result.follow_up, lang)
            return Reply(parts + follow, buttons=buttons, notice=notice, keyboard=())
        # The answer buttons go from the question; the explanation gets "next" and "progress".
        return Reply(parts, buttons=after_buttons(lang), notice=notice, keyboard=())
