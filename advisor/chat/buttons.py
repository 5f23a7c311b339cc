"""The buttons under an answer: its sources, its tactics, and 👍/👎.

A button token names an exchange (a question and the language it was answered
in, stored by the `UserStore`), so a button still works after a restart: the
answer comes from the cache, or is asked again within the user's scope as it
is now — a user whose role changed sees only what the new role allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.answering.composer import Answer, situation_label
from advisor.answering.tactics import tactics_for
from advisor.chat.access import AdvisorLike, Asker, Users
from advisor.chat.reply import Reply
from advisor.chat.state import AnswerCache
from advisor.chat.store import AnswerStore
from advisor.chat.text import Lang, from_tag, text
from advisor.chat.views import (
    answer_buttons,
    default_buttons,
    sources_parts,
    tactic_parts,
    tactics_reply_parts,
    without_feedback,
)
from advisor.errors import AccountNotFoundError
from advisor.reports.brief import build_brief
from advisor.reports.gaps import THUMBS_DOWN
from advisor.users.store import Exchange

BRIEF_PREFIX = "/brief "  # the question recorded for a brief


@dataclass
class Buttons:
    advisor: AdvisorLike
    users: Users
    answers: AnswerCache[Answer] | AnswerStore

    def press(self, a: Asker, data: str) -> Reply:
        action, _, ref = data.partition(":")
        exchange = self.users.exchange(int(ref)) if ref.isdigit() else None
        if exchange is None or exchange.user_id != a.id:
            return Reply(notice=text("button.expired", a.lang))
        lang = from_tag(exchange.language) or a.lang
        if action in ("up", "dn"):
            return self._vote(exchange, 1 if action == "up" else -1, lang)
        answer = self.answer_of(a, exchange)
        if answer is None or action not in ("src", "tac"):
            return Reply(notice=text("button.expired", lang))
        if action == "src":
            return Reply(sources_parts(answer, lang))
        return Reply(self._tactics(answer, lang))

    def _vote(self, exchange: Exchange, vote: int, lang: Lang) -> Reply:
        self.users.record_feedback(exchange, vote)
        gaps = self.advisor.gaps
        if vote < 0 and gaps is not None:
            # A 👎 is a gap candidate: the knowledge-gap report lists it with the question.
            gaps.record(exchange.question, exchange.language, THUMBS_DOWN)
        # The vote is in: the 👍/👎 row goes, the other buttons stay.
        cached = self.answers.get(exchange.id)
        if cached is not None:
            keyboard = answer_buttons(
                exchange.id,
                cached,
                lang,
                feedback=False,
                sources=not exchange.question.startswith(BRIEF_PREFIX),
            )
        else:
            keyboard = without_feedback(default_buttons(exchange.id, lang))
        notice = text("feedback.up" if vote > 0 else "feedback.down", lang)
        return Reply(notice=notice, keyboard=keyboard)

    def answer_of(self, a: Asker, exchange: Exchange) -> Answer | None:
        """The answer behind a button: from the cache, or asked again within today's scope."""
        # A cached answer's sources and tactics are guidance, not account data; still, the
        # cache outlives a restart, so an answer about an account the asker may no longer
        # see is not served from it (asked again below, it is not found either).
        cached = self.answers.get(exchange.id)
        if cached is not None and self._still_visible(a, exchange.account_id):
            return cached
        lang = from_tag(exchange.language) or a.lang
        try:
            if exchange.question.startswith(BRIEF_PREFIX):
                if not a.scope.accounts_allowed or self.advisor.accounts is None:
                    return None
                account_id = self.advisor.resolve(exchange.account_id or "", a.scope)
                answer = build_brief(
                    account_id,
                    self.advisor.accounts,
                    self.advisor.knowledge,
                    lang=lang.code,
                    traditional=lang.traditional,
                ).plan
            else:
                account_id = exchange.account_id if a.scope.accounts_allowed else None
                answer = self.advisor.ask(
                    exchange.question, account_id=account_id, lang=lang.tag, scope=a.scope
                )
        except AccountNotFoundError:
            return None
        self.answers.put(exchange.id, answer)
        return answer

    def _still_visible(self, a: Asker, account_id: str | None) -> bool:
        if account_id is None:
            return True
        if not a.scope.accounts_allowed or self.advisor.accounts is None:
            return False
        try:
            self.advisor.resolve(account_id, a.scope)
        except AccountNotFoundError:
            return False
        return True

    def _tactics(self, answer: Answer, lang: Lang) -> tuple[str, ...]:
        if answer.tactics:
            labels = ", ".join(situation_label(s, lang.code) for s in answer.situations[:3])
            header = text("tactics.header", lang, situation=labels or "—")
            return (header, *tactic_parts(answer.tactics, lang))
        for situation in answer.situations:
            items, sources = tactics_for(situation, self.advisor.knowledge, lang.code)
            if items:
                return tactics_reply_parts(situation, items, sources, lang)
        return (text("tactics.none", lang),)
