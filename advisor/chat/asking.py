"""The question path: a question (typed or /ask), the account picked for it, /tactics.

A question may follow up on the account being talked about; when a name matches
several accounts the asker picks one with a button and the question is asked
again for it.
"""

from __future__ import annotations

from advisor.answering.tactics import resolve_situation, situations_with_tactics, tactics_for
from advisor.chat.access import Asker
from advisor.chat.reply import Reply
from advisor.chat.services import ChatServices
from advisor.chat.text import text
from advisor.chat.views import (
    answer_buttons,
    answer_parts,
    choice_buttons,
    situations_parts,
    tactics_reply_parts,
)
from advisor.errors import AccountNotFoundError


def ask(s: ChatServices, a: Asker, question: str) -> Reply:
    if not question.strip():
        return Reply((text("need_question", a.lang),))
    context = s.contexts.get(a.id)
    account_id = None
    follow_up = False
    if context.account_id and a.scope.accounts_allowed:
        seen = s.advisor.understand(question, lang=a.override, scope=a.scope)
        # A follow-up names neither an account nor a segment: it is about
        # the account we were talking about, whose header the chat has shown.
        if seen.account_id is None and seen.segment is None and not seen.ambiguous:
            account_id = context.account_id
            follow_up = True
        else:
            follow_up = seen.account_id == context.account_id
    return _answer(s, a, question, account_id, follow_up)


def pick(s: ChatServices, a: Asker, data: str) -> Reply:
    """The account chosen among those a name matched: answer the question for it."""
    _, ref, account_id = (data.split(":", 2) + ["", ""])[:3]
    exchange = s.users.exchange(int(ref)) if ref.isdigit() else None
    if exchange is None or exchange.user_id != a.id or not a.scope.accounts_allowed:
        return Reply(notice=text("button.expired", a.lang))
    s.advisor.resolve(account_id, a.scope)
    return _answer(s, a, exchange.question, account_id, follow_up=False)


def _answer(
    s: ChatServices, a: Asker, question: str, account_id: str | None, follow_up: bool
) -> Reply:
    context = s.contexts.get(a.id)
    try:
        answer = s.advisor.ask(
            question, account_id=account_id, lang=a.override, scope=a.scope, follow_up=follow_up
        )
    except AccountNotFoundError:
        # The remembered account is no longer visible (the role changed): drop it.
        s.contexts.reset(a.id)
        answer = s.advisor.ask(question, lang=a.override, scope=a.scope)
    exchange = s.users.record_exchange(a.id, question, answer.language, answer.account_id)
    if answer.choices:
        # Which account? The asker picks one; the question is asked again for it.
        s.contexts.update(a.id, question=question)
        return Reply(answer_parts(answer), buttons=choice_buttons(exchange, answer.choices))
    s.answers.put(exchange, answer)
    s.contexts.update(
        a.id,
        account_id=answer.account_id or account_id or context.account_id,
        question=question,
    )
    buttons = answer_buttons(exchange, answer, a.lang) if answer.known else ()
    return Reply(answer_parts(answer), buttons=buttons)


def tactics(s: ChatServices, a: Asker, args: str) -> Reply:
    """Tactics for the situation described, else for the last question; else the situations."""
    knowledge = s.advisor.knowledge
    described = args.strip() or s.contexts.get(a.id).question or ""
    situation = resolve_situation(described) if described else None
    if situation is None:
        return Reply(situations_parts(situations_with_tactics(knowledge), a.lang))
    items, sources = tactics_for(situation, knowledge, a.lang.code)
    return Reply(tactics_reply_parts(situation, items, sources, a.lang))
