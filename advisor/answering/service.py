"""The advisor: one `ask` that combines what the knowledge says with what the data shows.

Dependencies are passed in (knowledge base, account directory, chat model, gap
log), so the CLI, the bot and the tests each hand it what they have.
Who may see which account is decided here, before any lookup: a rep's
question is matched against that rep's accounts only, and another rep's
account is "not found", exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from advisor.accounts.view import AccountRef, AccountView
from advisor.answering.composer import (
    AccountChoice,
    Answer,
    Framing,
    choose_account,
    compose,
    dont_know,
)
from advisor.answering.confidence import REFUSE, SURE, UNSURE, ConfidenceRules, judge
from advisor.answering.knowledge import KnowledgeBase
from advisor.answering.planner import PlanningRules, make_plan, planning_rules, weigh_description
from advisor.answering.profile import CustomerProfile, describe, from_segment
from advisor.answering.understanding import Understanding, lexicon, named_accounts, understand
from advisor.errors import AccountNotFoundError
from advisor.reports.gaps import DONT_KNOW, WEAK_RETRIEVAL, GapLog

if TYPE_CHECKING:
    from advisor.accounts.directory import AccountDirectory

    # LangChain's chat models load only when an LLM is configured.
    from advisor.answering.llm import GroundedWriter
    from knowledge.search.retrieval import Retrieval

SEARCH_DEPTH = 8


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
    confidence_rules: ConfidenceRules = field(default_factory=ConfidenceRules.bundled)
    planning: PlanningRules = field(default_factory=planning_rules)

    @property
    def has_accounts(self) -> bool:
        """Whether the store holds any account now (it follows imports made since start)."""
        return self.accounts is not None and bool(self.accounts.accounts())

    def _visible(self, scope: Scope) -> Sequence[AccountRef]:
        if self.accounts is None or not scope.accounts_allowed:
            return []
        return self.accounts.accounts(scope.owner)

    def resolve(self, account_id: str, scope: Scope = EVERYONE) -> str:
        """An account id the scope may see; AccountNotFoundError otherwise (same words either way)."""
        visible = {a.account_id for a in self._visible(scope)}
        if account_id not in visible:
            raise AccountNotFoundError(account_id)
        return account_id

    def named(self, name: str, scope: Scope = EVERYONE) -> list[str]:
        """The ids of the accounts the scope may see that a bare name stands for."""
        return named_accounts(name, self._visible(scope))

    def understand(
        self,
        question: str,
        *,
        account_id: str | None = None,
        lang: str | None = None,
        scope: Scope = EVERYONE,
    ) -> Understanding:
        visible = self._visible(scope)
        seen = understand(question, visible, language=lang)
        if account_id is not None:
            seen = replace(
                seen, account_id=self.resolve(account_id, scope), ambiguous=(), mention=""
            )
        return seen

    def ask(
        self,
        question: str,
        *,
        account_id: str | None = None,
        lang: str | None = None,
        scope: Scope = EVERYONE,
        follow_up: bool = False,
    ) -> Answer:
        """The answer to a question; `follow_up` when the chat already showed the account."""
        seen = self.understand(question, account_id=account_id, lang=lang, scope=scope)
        if seen.ambiguous:
            return self._which_account(seen, scope)
        account = self._account(seen)
        retrieval = self.knowledge.retrieve(seen.query or question, SEARCH_DEPTH)
        confidence = judge(retrieval.evidence, self.confidence_rules, seen.language)
        if confidence.level == REFUSE and account is None:
            return self._dont_know(seen, confidence.as_json())
        profile = self._profile(seen, account, retrieval)
        plan = make_plan(
            self.knowledge.all_cards(),
            retrieval,
            situations=seen.situations,
            profile=profile,
            stated_segment=seen.segment if account is None else None,
            account=account,
            risk_situations=lexicon()["risk_situations"],
            # A question the guidance does not cover says nothing beyond naming the
            # account: its risks lead then.
            question_leads=confidence.answers,
            question_first=confidence.level == SURE or account is None,
            family=self.knowledge.family,
            is_user_document=self.knowledge.is_user_document,
            rules=self.planning,
        )
        if not (plan.lead or plan.pitfalls or plan.documents):
            return self._dont_know(seen, confidence.as_json())
        unsure = confidence.level == UNSURE and not account
        if self.gaps and unsure:
            # Answered, but the guidance came only close: a candidate gap for whoever
            # writes the next cards.
            self.gaps.record(
                question,
                seen.language,
                WEAK_RETRIEVAL,
                score=round(retrieval.evidence.card_similarity, 4),
            )
        answer = compose(
            plan,
            language=seen.language,
            traditional=seen.traditional,
            account=account,
            knowledge=self.knowledge,
            hits=retrieval.hits,
            similarity=retrieval.anchored_similarity,
            framing=Framing(
                profile=profile,
                stated_segment=seen.segment if not account else None,
                unsure=unsure,
                follow_up=follow_up,
                situations=seen.situations,
            ),
        )
        answer = replace(answer, confidence=confidence.as_json(), customer=profile.as_json())
        if self.writer is not None:
            answer = self.writer.rewrite(question, seen, account, answer)
        return answer

    def _profile(
        self,
        seen: Understanding,
        account: AccountView | None,
        retrieval: Retrieval,
    ) -> CustomerProfile:
        if account is not None:
            return from_segment(account.segment, "account")
        if seen.segment:
            return from_segment(seen.segment, "stated")
        return weigh_description(
            describe(seen.query or seen.text),
            retrieval,
            self.knowledge.cards_by_id(),
            self.planning,
        )

    def _dont_know(self, seen: Understanding, confidence: Mapping[str, Any]) -> Answer:
        if self.gaps:
            self.gaps.record(
                seen.text, seen.language, DONT_KNOW, score=confidence.get("card_similarity")
            )
        return replace(dont_know(seen.language, seen.traditional), confidence=confidence)

    def _which_account(self, seen: Understanding, scope: Scope) -> Answer:
        visible = {a.account_id: a for a in self._visible(scope)}
        choices = [
            AccountChoice(i, visible[i].name, visible[i].owner)
            for i in seen.ambiguous
            if i in visible
        ]
        return choose_account(seen.mention, choices, seen.language, seen.traditional)

    def _account(self, seen: Understanding) -> AccountView | None:
        if seen.account_id is None or self.accounts is None:
            return None
        return self.accounts.record(seen.account_id, seen.language)
