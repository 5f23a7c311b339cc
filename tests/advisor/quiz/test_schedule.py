"""Spaced repetition with a clock that moves only when the test says so: Leitner boxes,
the choice of the next card, and progress that survives a restart."""

from __future__ import annotations

import datetime as dt

import pytest

from advisor.quiz import QuizBank, QuizService
from advisor.quiz.schedule import INTERVAL_DAYS, Item, after_answer, next_card, topic_stats
from advisor.quiz.store import QuizStore
from advisor.users.store import Role, User, UserStore

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
TRAINEE = 3001


class DateClock:
    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


# ---- the pure schedule --------------------------------------------------------------


def test_a_right_answer_moves_a_card_up_a_box_and_a_wrong_one_back_to_the_first() -> None:
    item = after_answer(None, "c", True, T0)
    assert (item.box, item.seen, item.correct) == (2, 1, 1)
    assert item.due == T0 + dt.timedelta(days=INTERVAL_DAYS[1])
    for _ in range(10):
        item = after_answer(item, "c", True, T0)
    assert item.box == len(INTERVAL_DAYS) and item.due == T0 + dt.timedelta(days=13)
    wrong = after_answer(item, "c", False, T0)
    assert (wrong.box, wrong.due, wrong.correct) == (1, T0 + dt.timedelta(days=1), item.correct)


CARDS = [
    ("a1", "segments"),
    ("a2", "segments"),
    ("b1", "negotiation"),
    ("b2", "negotiation"),
    ("c1", "loyalty"),
]


def test_due_cards_come_first_most_overdue_then_lowest_box() -> None:
    items = {
        "a1": Item("a1", 3, T0 - dt.timedelta(days=1), 2, 2),
        "b1": Item("b1", 1, T0 - dt.timedelta(days=2), 1, 0),
        "a2": Item("a2", 1, T0 + dt.timedelta(days=1), 1, 0),
    }
    assert next_card(items, CARDS, T0).card_id == "b1"
    items["a1"] = Item("a1", 3, T0 - dt.timedelta(days=3), 2, 2)
    pick = next_card(items, CARDS, T0)
    assert (pick.card_id, pick.why) == ("a1", "due")


def test_new_cards_come_from_the_weakest_topic() -> None:
    later = T0 + dt.timedelta(days=5)
    items = {
        "a1": Item("a1", 2, later, 2, 2),  # segments: all right
        "b1": Item("b1", 1, later, 2, 0),  # negotiation: all wrong
        "c1": Item("c1", 2, later, 1, 1),  # loyalty: all right, but only its one card
    }
    assert next_card(items, CARDS, T0).card_id == "b2"
    items["b2"] = Item("b2", 1, later, 1, 0)
    assert next_card(items, CARDS, T0).card_id == "a2"  # negotiation has no new card left
    items["a2"] = Item("a2", 2, later, 1, 1)
    ahead = next_card(items, CARDS, T0)  # all seen, none due: practise ahead
    assert ahead.why == "ahead" and ahead.card_id in {"b1", "b2"}
    assert next_card({}, CARDS, T0).card_id == "a1"  # a beginner starts at the top
    assert next_card({}, [], T0) is None


def test_topic_stats_count_seen_right_due_and_learnt() -> None:
    items = {"a1": Item("a1", 4, T0, 3, 3), "a2": Item("a2", 1, T0 + dt.timedelta(days=1), 2, 1)}
    [seg, neg, loyalty] = topic_stats(items, CARDS, T0, ["segments", "negotiation", "loyalty"])
    assert (seg.cards, seg.seen, seg.answers, seg.correct, seg.due, seg.mastered) == (
        2,
        2,
        5,
        4,
        1,
        1,
    )
    assert seg.accuracy == pytest.approx(0.8) and neg.accuracy is None and loyalty.cards == 1


# ---- the service over a real store --------------------------------------------------------


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'advisor.db'}"


@pytest.fixture
def bank(knowledge_base, sample_directory) -> QuizBank:
    return QuizBank(knowledge_base, sample=lambda: sample_directory.analysis)


def _service(url: str, bank: QuizBank, clock: DateClock) -> tuple[UserStore, QuizService]:
    users = UserStore(url)
    return users, QuizService(bank, QuizStore(users.engine), clock)


def test_answers_are_scheduled_and_survive_a_restart(db_url, bank) -> None:
    clock = DateClock()
    users, quiz = _service(db_url, bank, clock)
    first = quiz.next(TRAINEE, "en")
    assert first.question.kind == "seg" and first.why == "new"
    assert quiz.next(TRAINEE, "en").asked_id == first.asked_id  # unanswered: asked again
    wrong = (first.question.correct + 1) % len(first.question.options)
    result = quiz.answer(TRAINEE, first.asked_id, wrong)
    assert not result.right and result.item.box == 1
    follow = result.follow_up
    assert follow is not None and follow.question.kind == "str"
    assert quiz.answer(TRAINEE, follow.asked_id, follow.question.correct).right
    assert quiz.answer(TRAINEE, first.asked_id, first.question.correct).already  # no second try
    assert quiz.answer(4242, follow.asked_id, 0) is None  # not their question
    users.close()

    clock.advance(hours=1)
    users, again = _service(db_url, bank, clock)  # a restart: a new service over the same file
    progress = again.progress(TRAINEE)
    assert (progress.answers, progress.correct, progress.seen) == (2, 1, 1)
    assert progress.weakest is not None and progress.weakest.topic == "segments"
    pending = again.next(TRAINEE, "ko")
    assert pending.question.lang == "ko" and pending.why == "new"
    # Answered in Korean after another restart: the question is rebuilt from its id.
    users.close()
    users, third = _service(db_url, bank, clock)
    assert third.answer(TRAINEE, pending.asked_id, pending.question.correct).right
    users.close()


def test_a_card_comes_back_when_due_and_is_asked_differently(db_url, bank) -> None:
    clock = DateClock()
    users, quiz = _service(db_url, bank, clock)
    seen: dict[str, list[str]] = {}
    for _ in range(6):
        posed = quiz.next(TRAINEE, "en")
        seen.setdefault(posed.question.card_id, []).append(posed.question.id)
        result = quiz.answer(TRAINEE, posed.asked_id, posed.question.correct)
        if result.follow_up is not None:
            quiz.answer(TRAINEE, result.follow_up.asked_id, result.follow_up.question.correct)
    assert all(len(ids) == 1 for ids in seen.values())  # six new cards, nothing due yet
    clock.advance(days=INTERVAL_DAYS[2] + 1)  # past the box-3 interval of the first card
    back = quiz.next(TRAINEE, "en")
    assert back.why == "due" and back.question.card_id in seen
    assert back.question.id not in seen[back.question.card_id]  # another variant
    users.close()


def test_summaries_list_trainees_and_whoever_practised(db_url, bank) -> None:
    clock = DateClock()
    users, quiz = _service(db_url, bank, clock)
    users.add(TRAINEE, "trainee")
    users.add(3002, "trainee")
    users.add(1001, "rep", "kim.minji")
    users.add(2001, "manager")
    for user_id in (TRAINEE, 1001):
        posed = quiz.next(user_id, "en")
        quiz.answer(user_id, posed.asked_id, posed.question.correct)
    clock.advance(minutes=5)
    posed = quiz.next(1001, "en")
    quiz.answer(1001, posed.asked_id, posed.question.correct)
    summaries = quiz.summaries(users.all_users())
    assert [s.user.user_id for s in summaries] == [1001, TRAINEE, 3002]  # latest first
    assert summaries[0].user == User(1001, Role.REP, "kim.minji")
    assert summaries[-1].progress.answers == 0 and summaries[-1].last_at is None
    users.close()
