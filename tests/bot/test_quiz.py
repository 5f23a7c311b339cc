"""The quiz in the real bot against the fake Telegram API: a question with answer buttons,
the explanation after a press, and progress that survives a restart."""

from __future__ import annotations

import datetime as dt

import pytest

from advisor.chat.core import Conversation
from advisor.quiz import QuizBank, QuizService
from advisor.quiz.store import QuizStore
from advisor.users.store import UserStore
from tests.fakes.chat import MANAGER, TRAINEE

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def quiz_for(knowledge_base, sample_directory):
    """quiz_for(users) → a QuizService over the users' database, with a fixed clock."""
    bank = QuizBank(knowledge_base, sample=lambda: sample_directory.analysis)

    def make(users: UserStore) -> QuizService:
        return QuizService(bank, QuizStore(users.engine), now=lambda: T0)

    return make


def _buttons(call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def test_a_trainee_answers_with_a_button_and_gets_the_explanation(
    advisor, users, clock, tmp_path, start_bot, telegram, quiz_for
) -> None:
    quiz = quiz_for(users)
    start_bot(Conversation(advisor, users, tmp_path, clock=clock, quiz=quiz))
    telegram.send_text(TRAINEE, "/quiz")
    [question] = telegram.wait_sent(TRAINEE, 1)
    assert question.startswith("🧠 Practice · Segments") and "Which segment" in question
    answers = _buttons(telegram.sent(TRAINEE)[0])
    assert len(answers) == 4 and all(a.startswith("qa:") for a in answers)
    asked = quiz.store.asked(int(answers[0].split(":")[1]))
    correct = quiz.bank.question(asked.question_id, "en").correct
    telegram.press(TRAINEE, answers[correct])
    texts = telegram.wait_sent(TRAINEE, 2)
    assert texts[1].startswith("✅ Right:") and "Source: 002_858e68355b44b8da.txt" in texts[1]
    assert "Which strategy does the guidance give" in texts[1]  # the follow-up question
    notices = [c.params.get("text") for c in telegram.calls_of("answerCallbackQuery")]
    assert notices == ["Right!"]
    # The pressed question loses its buttons; the follow-up has its own.
    edits = telegram.calls_of("editMessageReplyMarkup")
    assert len(edits) == 1 and not edits[0].params.get("reply_markup", {}).get("inline_keyboard")
    follow_up = _buttons(telegram.sent(TRAINEE)[1])
    assert len(follow_up) == 4 and follow_up != answers
    telegram.press(TRAINEE, answers[correct])  # a second tap on the old question
    telegram.wait_for(lambda: len(telegram.calls_of("answerCallbackQuery")) == 2)
    assert telegram.calls_of("answerCallbackQuery")[1].params["text"] == (
        "You've already answered this question."
    )
    assert len(telegram.sent(TRAINEE)) == 2


def test_progress_survives_a_restart_and_managers_see_trainees(
    advisor, users, db_url, clock, tmp_path, start_bot, telegram, quiz_for
) -> None:
    first = start_bot(Conversation(advisor, users, tmp_path, clock=clock, quiz=quiz_for(users)))
    telegram.send_text(TRAINEE, "/quiz")
    telegram.wait_sent(TRAINEE, 1)
    answers = _buttons(telegram.sent(TRAINEE)[0])
    telegram.press(TRAINEE, answers[0])
    telegram.wait_sent(TRAINEE, 2)
    follow_up = _buttons(telegram.sent(TRAINEE)[1])
    first.stop()

    with UserStore(db_url) as reopened:
        start_bot(Conversation(advisor, reopened, tmp_path, clock=clock, quiz=quiz_for(reopened)))
        telegram.press(TRAINEE, follow_up[0])  # a question asked before the restart
        telegram.wait_sent(TRAINEE, 3)
        telegram.send_text(TRAINEE, "/progress")
        telegram.send_text(MANAGER, "/trainees")
        texts = telegram.wait_sent(TRAINEE, 4)
        [summary] = telegram.wait_sent(MANAGER, 1)
    assert texts[2].startswith(("✅", "❌"))
    assert texts[3].startswith("Your practice: 2 answers")
    assert "Segments (EI–EIV, PI–PIV, F): 1/21 cards" in texts[3]
    assert (
        summary.startswith("Practice by user (1):") and f"{TRAINEE} (trainee): 2 answers" in summary
    )
