"""The commands that show account data: /brief, /segment, /atrisk, /portfolio.

The command table lets only askers whose scope allows account data get here
(and /portfolio only managers); within a handler every lookup still goes
through the asker's scope, so a rep finds only the accounts they own.
"""

from __future__ import annotations

from advisor.chat.access import Asker
from advisor.chat.buttons import BRIEF_PREFIX
from advisor.chat.reply import Reply, TextFormat, paragraphs
from advisor.chat.services import ChatServices
from advisor.chat.text import text
from advisor.chat.views import (
    AT_RISK_SHOWN,
    answer_buttons,
    at_risk_parts,
    portfolio_caption,
    portfolio_parts,
    segment_parts,
)
from advisor.errors import AccountNotFoundError
from advisor.reports.brief import build_brief


class _NoDataError(Exception):
    """No accounts have been imported."""


def _find_account(s: ChatServices, a: Asker, arg: str) -> str:
    """An account id the asker may see, given as an id (any case) or a name."""
    if not s.advisor.has_accounts:
        raise _NoDataError
    for candidate in dict.fromkeys((arg, arg.upper())):
        try:
            return s.advisor.resolve(candidate, a.scope)
        except AccountNotFoundError:
            pass
    named = s.advisor.named(arg, a.scope)
    if len(named) != 1:
        raise AccountNotFoundError(arg)
    return s.advisor.resolve(named[0], a.scope)


def _account_arg(s: ChatServices, a: Asker, args: str, command: str) -> str | Reply:
    """The account named in the arguments, else the one being talked about; or why there is none.

    An account the asker may not see raises `AccountNotFoundError`: the door answers it
    in the same words as a missing one.
    """
    arg = args.strip() or (s.contexts.get(a.id).account_id or "")
    if not arg:
        return Reply((text("need_account", a.lang, command=command),))
    try:
        return _find_account(s, a, arg)
    except _NoDataError:
        return Reply((text("no_data", a.lang),))


def brief(s: ChatServices, a: Asker, args: str) -> Reply:
    found = _account_arg(s, a, args, "brief")
    if isinstance(found, Reply):
        return found
    made = build_brief(
        found,
        s.advisor.accounts,
        s.advisor.knowledge,
        lang=a.lang.code,
        traditional=a.lang.traditional,
    )
    s.contexts.update(a.id, account_id=found, question=None)
    exchange = s.users.record_exchange(a.id, BRIEF_PREFIX + found, a.lang.tag, found)
    s.answers.put(exchange, made.plan)
    # The brief lists its sources itself: no Sources button under it.
    buttons = answer_buttons(exchange, made.plan, a.lang, sources=False)
    return Reply(paragraphs(made.markdown), TextFormat.MARKDOWN, buttons=buttons)


def segment(s: ChatServices, a: Asker, args: str) -> Reply:
    found = _account_arg(s, a, args, "segment")
    if isinstance(found, Reply):
        return found
    record = s.advisor.accounts.record(found, a.lang.code)
    s.contexts.update(a.id, account_id=found)
    return Reply(segment_parts(record, a.lang))


def at_risk(s: ChatServices, a: Asker, _args: str) -> Reply:
    directory = s.advisor.accounts
    if directory is None or not s.advisor.has_accounts:
        return Reply((text("no_data", a.lang),))
    ids = directory.at_risk_ids(a.scope.owner)
    records = [directory.analysis.view(i, a.lang.code) for i in ids[:AT_RISK_SHOWN]]
    as_of = directory.analysis.as_of.isoformat()
    return Reply(at_risk_parts(records, len(ids), as_of, a.lang))


def portfolio(s: ChatServices, a: Asker, _args: str) -> Reply:
    directory = s.advisor.accounts
    if directory is None or not s.advisor.has_accounts:
        return Reply((text("no_data", a.lang),))
    summary = directory.analysis.summary(a.lang.code)
    return Reply(
        portfolio_parts(summary, a.lang),
        photo=s.charts.chart(directory, a.lang),
        caption=portfolio_caption(summary, a.lang),
    )
