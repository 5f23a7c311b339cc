"""The conversation core shared by the Telegram bot and `advisor chat`.

A user id and what they sent (text, a command with its arguments, a button
token) go in; a `Reply` comes out. Nothing here knows Telegram.

`Conversation` is the door and the dispatcher: the handlers live by concern in
`account_cmds`, `settings_cmds`, `asking` and `quiz_cmds`, listed in the
command table (`advisor.chat.commands`), which also says who may run what.

Access control happens here, before any lookup: the user's role comes from the
`UserStore` (granted only by `advisor users add`, never by anything written in
the chat). An unknown user gets a refusal naming their id and nothing reaches
the advisor; a rep sees only the accounts they own (another rep's account is
"not found", in the same words as a missing one); a trainee gets the guidance
and the tactics and no account data at all; a manager sees everything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from advisor.answering.composer import Answer
from advisor.chat import asking
from advisor.chat.access import AdvisorLike, Asker, LocalUser, Users
from advisor.chat.buttons import Buttons
from advisor.chat.charts import PortfolioCharts
from advisor.chat.commands import NAMES, find, parse_command, refusal
from advisor.chat.quiz import QUIZ_ACTIONS, QuizChat
from advisor.chat.reply import Button, Reply, TextFormat
from advisor.chat.services import ChatServices
from advisor.chat.state import AnswerCache, Contexts, RateLimiter
from advisor.chat.store import AnswerStore, ContextStore, ReplyOutbox
from advisor.chat.text import Lang, from_locale, from_tag, from_text, text
from advisor.chat.views import PICK_ACTION
from advisor.errors import USER_ERRORS, AccountNotFoundError
from advisor.quiz import QuizService

__all__ = ["COMMANDS", "Button", "Conversation", "LocalUser", "Reply", "TextFormat", "apology_for"]

log = logging.getLogger(__name__)

COMMANDS = NAMES  # the command names, read from the table (kept here for older imports)


def apology_for(locale: str | None = None, tag: str | None = None) -> Reply:
    """A short apology in the user's language (never a traceback)."""
    lang = from_tag(tag) or from_locale(locale) or Lang()
    return Reply((text("apology", lang),))


@dataclass
class Conversation:
    advisor: AdvisorLike
    users: Users
    chart_dir: Path
    # A wall clock: contexts and cached answers in the database are shared between processes.
    clock: Callable[[], float] = time.time
    context_ttl: float = 30 * 60
    rate_capacity: float = 10
    rate_per_second: float = 0.5
    quiz: QuizService | None = None  # None: built on first /quiz over the user store's database
    limiter: RateLimiter = field(init=False)
    contexts: Contexts | ContextStore = field(init=False)
    answers: AnswerCache[Answer] | AnswerStore = field(init=False)
    outbox: ReplyOutbox | None = field(init=False)  # replies the edge could not deliver yet

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.clock, self.rate_capacity, self.rate_per_second)
        engine = getattr(self.users, "engine", None)
        if engine is not None:
            # In the user store's database: any process serving this bot sees them.
            self.contexts = ContextStore(engine, self.clock, self.context_ttl)
            self.answers = AnswerStore(engine, self.clock, self.context_ttl)
            self.outbox = ReplyOutbox(engine)
        else:
            self.contexts = Contexts(self.clock, self.context_ttl)
            self.answers = AnswerCache()
            self.outbox = None
        self.buttons = Buttons(self.advisor, self.users, self.answers)
        self.quizzes = QuizChat(self.users, self.advisor, self.quiz)
        self.services = ChatServices(
            self.advisor,
            self.users,
            self.contexts,
            self.answers,
            self.quizzes,
            PortfolioCharts(self.chart_dir),
        )

    # ---- entry points --------------------------------------------------------

    def handle_text(self, user_id: int, message: str, locale: str | None = None) -> Reply:
        """A line as typed: `/command args` or a question."""
        parsed = parse_command(message)
        if parsed is not None:
            return self.command(user_id, *parsed, locale)
        return self._guarded(
            user_id, locale, message, lambda a: asking.ask(self.services, a, message)
        )

    def command(self, user_id: int, name: str, args: str = "", locale: str | None = None) -> Reply:
        name = name.lower()
        # Only a question tells the language it is written in; other arguments are ids and words.
        question = args if name == "ask" else None
        return self._guarded(user_id, locale, question, lambda a: self._run(a, name, args.strip()))

    def button(self, user_id: int, data: str, locale: str | None = None) -> Reply:
        action = data.partition(":")[0]
        if action == PICK_ACTION:
            return self._guarded(
                user_id, locale, None, lambda a: asking.pick(self.services, a, data)
            )
        if action in QUIZ_ACTIONS:
            return self._guarded(user_id, locale, None, lambda a: self.quizzes.press(a, data))
        return self._guarded(user_id, locale, None, lambda a: self.buttons.press(a, data))

    def non_text(self, user_id: int, locale: str | None = None) -> Reply:
        """A photo, a sticker, a voice note…: say that only text is read."""
        return self._guarded(user_id, locale, None, lambda a: Reply((text("text_only", a.lang),)))

    def private_only(self, locale: str | None = None) -> Reply:
        """For a group chat: account data is never shown where others can read it."""
        return Reply((text("private_only", from_locale(locale) or Lang()),))

    def apology(self, user_id: int | None, locale: str | None = None) -> Reply:
        """The short apology the edges send when something failed unexpectedly."""
        known = self.contexts.get(user_id).language if user_id is not None else None
        return apology_for(locale, known)

    # ---- the door ------------------------------------------------------------

    def _guarded(
        self,
        user_id: int,
        locale: str | None,
        written: str | None,
        then: Callable[[Asker], Reply],
    ) -> Reply:
        wait, first = self.limiter.take(user_id)
        written_lang = from_text(written) if written else None
        context = self.contexts.get(user_id)
        lang = written_lang or from_tag(context.language) or from_locale(locale) or Lang()
        if wait:
            if not first:
                return Reply()
            return Reply((text("rate_limited", lang, seconds=RateLimiter.seconds(wait)),))
        user = self.users.get(user_id)
        if user is None:
            # No retrieval, no account lookup, no model call for a stranger.
            return Reply((text("refusal", lang, telegram_id=user_id),))
        if written_lang is not None:
            self.contexts.update(user_id, language=written_lang.tag)
        if user.lang:
            lang = Lang(user.lang)
        asker = Asker(user, lang, user.lang)
        try:
            return then(asker)
        except AccountNotFoundError as exc:
            # The same words whether the account is missing or another rep's.
            return Reply((text("not_found", lang, account=exc.account_id),))
        except USER_ERRORS as exc:
            log.warning("user %s: %s", user_id, exc)
            return Reply((text("apology", lang),))

    def _run(self, a: Asker, name: str, args: str) -> Reply:
        """A command from the table, if this asker may run it."""
        command = find(name)
        if command is None:
            return Reply((text("unknown_command", a.lang, command=name),))
        refused = refusal(command, a)
        if refused is not None:
            return Reply((text(refused, a.lang),))
        return command.handler(self.services, a, args)
