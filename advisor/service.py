"""The advisor: one `ask` that combines what the knowledge says with what the data shows.

Dependencies are passed in (knowledge base, account directory, chat model, gap
log), so the CLI, the bot and the tests each hand it what they have.
Who may see which account is decided here, before any lookup: a rep's
question is matched against that rep's accounts only, and another rep's
account is "not found", exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from advisor.composer import Answer, compose, dont_know
from advisor.errors import AccountNotFoundError
from advisor.gaps import DONT_KNOW, WEAK_RETRIEVAL, GapLog
from advisor.knowledge_service import KnowledgeBase
from advisor.llm import GroundedWriter
from advisor.understanding import Understanding, understand

SEARCH_DEPTH = 8


class AccountDirectory(Protocol):
    """The accounts the advisor may name, and one account's segment, risks and reasons."""

    def accounts(self, owner: str | None = None) -> Sequence[Mapping[str, Any]]: ...
    def record(self, account_id: str, lang: str) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Scope:
    """Whose accounts a question may touch: `owner` None means every account."""

    owner: str | None = None
    accounts_allowed: bool = True


EVERYONE = Scope()


@dataclass
class Advisor:
    knowledge: KnowledgeBase
    accounts: AccountDirectory | None = None
    writer: GroundedWriter | None = None
    gaps: GapLog | None = None

    def _visible(self, scope: Scope) -> Sequence[Mapping[str, Any]]:
        if self.accounts is None or not scope.accounts_allowed:
            return []
        return self.accounts.accounts(scope.owner)

    def resolve(self, account_id: str, scope: Scope = EVERYONE) -> str:
        """An account id the scope may see; AccountNotFoundError otherwise (same words either way)."""
        visible = {str(a["account_id"]) for a in self._visible(scope)}
        if account_id not in visible:
            raise AccountNotFoundError(f"no account '{account_id}'")
        return account_id

    def understand(
        self, question: str, *, account_id: str | None = None, lang: str | None = None,
        scope: Scope = EVERYONE,
    ) -> Understanding:
        visible = self._visible(scope)
        seen = understand(question, visible, language=lang)
        if account_id is not None:
            seen = Understanding(**{**seen.__dict__, "account_id": self.resolve(account_id, scope)})
        return seen

    def ask(
        self,
        question: str,
        *,
        account_id: str | None = None,
        lang: str | None = None,
        scope: Scope = EVERYONE,
    ) -> Answer:
        seen = self.understand(question, account_id=account_id, lang=lang, scope=scope)
        account = self._account(seen)
        matched = bool(seen.situations or seen.segment or account)
        covered = matched or self.knowledge.covers(question)
        if not covered:
            if self.gaps:
                self.gaps.record(question, seen.language, DONT_KNOW)
            return dont_know(seen)
        hits = self.knowledge.search(question, SEARCH_DEPTH)
        if self.gaps and not matched and not any(h.card or h.passage.cards for h in hits):
            # Answered from the domain's words alone: no card fits the situation and
            # search led to none. A candidate gap for whoever writes the next cards.
            top = round(hits[0].score, 6) if hits else None
            self.gaps.record(question, seen.language, WEAK_RETRIEVAL, score=top)
        answer = compose(seen, account, hits, self.knowledge)
        if self.writer is not None:
            answer = self.writer.rewrite(question, seen, account, answer)
        return answer

    def _account(self, seen: Understanding) -> Mapping[str, Any] | None:
        if seen.account_id is None or self.accounts is None:
            return None
        return self.accounts.record(seen.account_id, seen.language)
