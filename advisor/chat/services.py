"""What a command handler may use, handed to it instead of the whole conversation.

`Conversation` builds one `ChatServices` over its stores; every handler in the
command table takes it, the asker (already let in by the door) and the
command's arguments, and returns a `Reply`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from advisor.answering.composer import Answer
from advisor.chat.access import AdvisorLike, Asker, Users
from advisor.chat.charts import PortfolioCharts
from advisor.chat.quiz import QuizChat
from advisor.chat.reply import Reply
from advisor.chat.state import AnswerCache, Contexts
from advisor.chat.store import AnswerStore, ContextStore


@dataclass(frozen=True)
class ChatServices:
    advisor: AdvisorLike  # read at call time: the bot swaps its account directory on refresh
    users: Users
    contexts: Contexts | ContextStore  # what each user was last talking about
    answers: AnswerCache[Answer] | AnswerStore  # answers by exchange, for their buttons
    quizzes: QuizChat
    charts: PortfolioCharts


Handler = Callable[[ChatServices, Asker, str], Reply]
