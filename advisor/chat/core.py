"""The conversation core shared by the Telegram bot and `advisor chat`.

A user id and what they sent (text, a command with its arguments, a button
token) go in; a `Reply` comes out. Nothing here knows Telegram.

Access control happens here, before any lookup: the user's role comes from the
`UserStore` (granted only by `advisor users add`, never by anything written in
the chat). An unknown user gets a refusal naming their id and nothing reaches
the advisor; a rep sees only the accounts they own (another rep's account is
"not found", in the same words as a missing one); a trainee gets the guidance
and the tactics and no account data at all; a manager sees everything.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.answering.composer import Answer
from advisor.answering.tactics import resolve_situation, situations_with_tactics, tactics_for
from advisor.chat.access import AdvisorLike, Asker, LocalUser, Users
from advisor.chat.buttons import BRIEF_PREFIX, Buttons
from advisor.chat.quiz import QUIZ_ACTIONS, QuizChat
from advisor.chat.reply import Button, Reply, TextFormat, paragraphs
from advisor.chat.state import AnswerCache, Contexts, RateLimiter
from advisor.chat.store import AnswerStore, ContextStore, ReplyOutbox
from advisor.chat.text import Lang, from_locale, from_tag, from_text, text
from advisor.chat.views import (
    AT_RISK_SHOWN,
    PICK_ACTION,
    answer_buttons,
    answer_parts,
    at_risk_parts,
    choice_buttons,
    help_parts,
    portfolio_caption,
    portfolio_parts,
    role_line,
    segment_parts,
    situations_parts,
    tactics_reply_parts,
)
from advisor.errors import USER_ERRORS, AccountNotFoundError
from advisor.quiz import QuizService
from advisor.reports.brief import build_brief
from advisor.users.store import Role

__all__ = ["COMMANDS", "Button", "Conversation", "LocalUser", "Reply", "TextFormat", "apology_for"]

log = logging.getLogger(__name__)

COMMANDS = (
    "start",
    "help",
    "ask",
    "brief",
    "segment",
    "atrisk",
    "portfolio",
    "tactics",
    "lang",
    "reset",
    "quiz",
    "progress",
    "trainees",
    "alerts",
)
ACCOUNT_COMMANDS = frozenset({"brief", "segment", "atrisk", "portfolio"})
_COMMAND = re.compile(r"^/([A-Za-z0-9_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def apology_for(locale: str | None = None, tag: str | None = None) -> Reply:
    """A short apology in the user's language (never a traceback)."""
    lang = from_tag(tag) or from_locale(locale) or Lang()
    return Reply((text("apology", lang),))


class _NoDataError(Exception):
    """No accounts have been imported."""


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
        self._charts: dict[str, tuple[Any, Path]] = {}  # language -> (analysis drawn, file)
        self._chart_lock = threading.Lock()

    # ---- entry points --------------------------------------------------------

    def handle_text(self, user_id: int, message: str, locale: str | None = None) -> Reply:
        """A line as typed: `/command args` or a question."""
        found = _COMMAND.match(message.strip())
        if found:
            return self.command(user_id, found.group(1), found.group(2) or "", locale)
        return self._guarded(user_id, locale, message, lambda a: self._ask(a, message))

    def command(self, user_id: int, name: str, args: str = "", locale: str | None = None) -> Reply:
        name = name.lower()
        question = args if name == "ask" else None
        return self._guarded(
            user_id, locale, question, lambda a: self._command(a, name, args.strip())
        )

    def button(self, user_id: int, data: str, locale: str | None = None) -> Reply:
        if data.partition(":")[0] == PICK_ACTION:
            return self._guarded(user_id, locale, None, lambda a: self._pick(a, data))
        if data.partition(":")[0] in QUIZ_ACTIONS:
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

    # ---- commands ------------------------------------------------------------

    def _command(self, a: Asker, name: str, args: str) -> Reply:
        if name in ACCOUNT_COMMANDS and not a.scope.accounts_allowed:
            return Reply((text("trainee_no_accounts", a.lang),))
        handlers: dict[str, Callable[[Asker, str], Reply]] = {
            "start": self._start,
            "help": self._help,
            "ask": self._ask,
            "brief": self._brief,
            "segment": self._segment,
            "atrisk": self._at_risk,
            "portfolio": self._portfolio,
            "tactics": self._tactics,
            "lang": self._lang,
            "reset": self._reset,
            "quiz": self._quiz,
            "progress": self._progress,
            "trainees": self._trainees,
            "alerts": self._alerts,
        }
        handler = handlers.get(name)
        if handler is None:
            return Reply((text("unknown_command", a.lang, command=name),))
        return handler(a, args)

    def _start(self, a: Asker, _args: str) -> Reply:
        hello = text("start", a.lang, role=role_line(a.user.role, a.user.owner, a.lang))
        return Reply((hello, *help_parts(a.user.role, a.lang)))

    def _help(self, a: Asker, _args: str) -> Reply:
        return Reply(help_parts(a.user.role, a.lang))

    def _quiz(self, a: Asker, _args: str) -> Reply:
        return self.quizzes.ask(a)

    def _progress(self, a: Asker, _args: str) -> Reply:
        return self.quizzes.progress(a)

    def _trainees(self, a: Asker, _args: str) -> Reply:
        return self.quizzes.trainees(a)

    def _alerts(self, a: Asker, args: str) -> Reply:
        """Reps get the daily risk alerts, managers the weekly digest; either may opt out."""
        if a.user.role is Role.TRAINEE:
            return Reply((text("alerts.trainee", a.lang),))
        what = text(
            "alerts.what_manager" if a.user.role is Role.MANAGER else "alerts.what_rep", a.lang
        )
        choice = args.strip().lower()
        if choice in ("on", "off"):
            self.users.set_alerts(a.id, choice == "on")
            return Reply((text(f"alerts.{choice}", a.lang, what=what),))
        if choice:
            return Reply((text("alerts.usage", a.lang),))
        on = self.users.alerts_enabled(a.id)
        return Reply((text("alerts.status_on" if on else "alerts.status_off", a.lang, what=what),))

    def _reset(self, a: Asker, _args: str) -> Reply:
        self.contexts.reset(a.id)
        return Reply((text("reset", a.lang),))

    def _lang(self, a: Asker, args: str) -> Reply:
        choice = args.strip().lower()
        if choice == "auto":
            self.users.set_language(a.id, None)
            return Reply((text("lang.auto", a.lang),))
        if choice not in ("en", "ko", "zh"):
            return Reply((text("lang.usage", a.lang),))
        self.users.set_language(a.id, choice)
        chosen = Lang(choice)
        return Reply((text("lang.set", chosen, language=text(f"language_name.{choice}", chosen)),))

    def _ask(self, a: Asker, question: str) -> Reply:
        if not question.strip():
            return Reply((text("need_question", a.lang),))
        context = self.contexts.get(a.id)
        account_id = None
        follow_up = False
        if context.account_id and a.scope.accounts_allowed:
            seen = self.advisor.understand(question, lang=a.override, scope=a.scope)
            # A follow-up names neither an account nor a segment: it is about
            # the account we were talking about, whose header the chat has shown.
            if seen.account_id is None and seen.segment is None and not seen.ambiguous:
                account_id = context.account_id
                follow_up = True
            else:
                follow_up = seen.account_id == context.account_id
        return self._answer(a, question, account_id, follow_up)

    def _answer(self, a: Asker, question: str, account_id: str | None, follow_up: bool) -> Reply:
        context = self.contexts.get(a.id)
        try:
            answer = self.advisor.ask(
                question, account_id=account_id, lang=a.override, scope=a.scope, follow_up=follow_up
            )
        except AccountNotFoundError:
            # The remembered account is no longer visible (the role changed): drop it.
            self.contexts.reset(a.id)
            answer = self.advisor.ask(question, lang=a.override, scope=a.scope)
        exchange = self.users.record_exchange(a.id, question, answer.language, answer.account_id)
        if answer.choices:
            # Which account? The asker picks one; the question is asked again for it.
            self.contexts.update(a.id, question=question)
            return Reply(answer_parts(answer), buttons=choice_buttons(exchange, answer.choices))
        self.answers.put(exchange, answer)
        self.contexts.update(
            a.id,
            account_id=answer.account_id or account_id or context.account_id,
            question=question,
        )
        buttons = answer_buttons(exchange, answer, a.lang) if answer.known else ()
        return Reply(answer_parts(answer), buttons=buttons)

    def _pick(self, a: Asker, data: str) -> Reply:
        """The account chosen among those a name matched: answer the question for it."""
        _, ref, account_id = (data.split(":", 2) + ["", ""])[:3]
        exchange = self.users.exchange(int(ref)) if ref.isdigit() else None
        if exchange is None or exchange.telegram_id != a.id or not a.scope.accounts_allowed:
            return Reply(notice=text("button.expired", a.lang))
        self.advisor.resolve(account_id, a.scope)
        return self._answer(a, exchange.question, account_id, follow_up=False)

    def _find_account(self, a: Asker, arg: str) -> str:
        """An account id the asker may see, given as an id (any case) or a name."""
        if not self.advisor.has_accounts:
            raise _NoDataError
        for candidate in dict.fromkeys((arg, arg.upper())):
            try:
                return self.advisor.resolve(candidate, a.scope)
            except AccountNotFoundError:
                pass
        seen = self.advisor.understand(arg, scope=a.scope)
        if seen.account_id is None:
            raise AccountNotFoundError(arg)
        return self.advisor.resolve(seen.account_id, a.scope)

    def _account_arg(self, a: Asker, args: str, command: str) -> str | Reply:
        arg = args.strip() or (self.contexts.get(a.id).account_id or "")
        if not arg:
            return Reply((text("need_account", a.lang, command=command),))
        try:
            return self._find_account(a, arg)
        except _NoDataError:
            return Reply((text("no_data", a.lang),))

    def _brief(self, a: Asker, args: str) -> Reply:
        found = self._account_arg(a, args, "brief")
        if isinstance(found, Reply):
            return found
        brief = build_brief(
            found,
            self.advisor.accounts,
            self.advisor.knowledge,
            lang=a.lang.code,
            traditional=a.lang.traditional,
        )
        self.contexts.update(a.id, account_id=found, question=None)
        exchange = self.users.record_exchange(a.id, BRIEF_PREFIX + found, a.lang.tag, found)
        self.answers.put(exchange, brief.plan)
        # The brief lists its sources itself: no Sources button under it.
        buttons = answer_buttons(exchange, brief.plan, a.lang, sources=False)
        return Reply(paragraphs(brief.markdown), TextFormat.MARKDOWN, buttons=buttons)

    def _segment(self, a: Asker, args: str) -> Reply:
        found = self._account_arg(a, args, "segment")
        if isinstance(found, Reply):
            return found
        record = self.advisor.accounts.record(found, a.lang.code)
        self.contexts.update(a.id, account_id=found)
        return Reply(segment_parts(record, a.lang))

    def _at_risk(self, a: Asker, _args: str) -> Reply:
        directory = self.advisor.accounts
        if directory is None or not self.advisor.has_accounts:
            return Reply((text("no_data", a.lang),))
        ids = directory.at_risk_ids(a.scope.owner)
        records = [directory.analysis.view(i, a.lang.code) for i in ids[:AT_RISK_SHOWN]]
        as_of = directory.analysis.as_of.isoformat()
        return Reply(at_risk_parts(records, len(ids), as_of, a.lang))

    def _portfolio(self, a: Asker, _args: str) -> Reply:
        if a.user.role is not Role.MANAGER:
            return Reply((text("managers_only", a.lang),))
        directory = self.advisor.accounts
        if directory is None or not self.advisor.has_accounts:
            return Reply((text("no_data", a.lang),))
        summary = directory.analysis.summary(a.lang.code)
        return Reply(
            portfolio_parts(summary, a.lang),
            photo=self._chart(directory, a.lang),
            caption=portfolio_caption(summary, a.lang),
        )

    def _chart(self, directory: Any, lang: Lang) -> Path:
        from advisor.reports.charts.portfolio import portfolio_chart

        with self._chart_lock:
            # One drawing per language, redrawn when the directory reloaded its analysis.
            # (matplotlib shares font caches and settings between threads: one at a time.)
            analysis = directory.analysis
            cached = self._charts.get(lang.code)
            if cached is None or cached[0] is not analysis:
                path = self.chart_dir / f"portfolio-{lang.code}.png"
                self._charts[lang.code] = (
                    analysis,
                    portfolio_chart(
                        analysis.chart_rows(),
                        path,
                        lang.code,
                        threshold=analysis.now.contribution.threshold,
                        as_of=analysis.as_of,
                        window_months=analysis.now.config.window_months,
                    ),
                )
            return self._charts[lang.code][1]

    def _tactics(self, a: Asker, args: str) -> Reply:
        knowledge = self.advisor.knowledge
        described = args.strip() or self.contexts.get(a.id).question or ""
        situation = resolve_situation(described) if described else None
        if situation is None:
            return Reply(situations_parts(situations_with_tactics(knowledge), a.lang))
        items, sources = tactics_for(situation, knowledge, a.lang.code)
        return Reply(tactics_reply_parts(situation, items, sources, a.lang))
