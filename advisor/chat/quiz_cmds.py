"""The quiz commands as the command table calls them: /quiz, /progress, /trainees.

The quiz itself (questions, answer buttons, renderers) is `advisor.chat.quiz`.
"""

from __future__ import annotations

from advisor.chat.access import Asker
from advisor.chat.reply import Reply
from advisor.chat.services import ChatServices


def quiz(s: ChatServices, a: Asker, _args: str) -> Reply:
    return s.quizzes.ask(a)


def progress(s: ChatServices, a: Asker, _args: str) -> Reply:
    return s.quizzes.progress(a)


def trainees(s: ChatServices, a: Asker, _args: str) -> Reply:
    return s.quizzes.trainees(a)
