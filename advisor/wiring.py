"""Building a ready Advisor from settings: the one wiring place for the CLI and the bot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from advisor.answering.knowledge import KnowledgeBase, open_retriever
from advisor.answering.service import Advisor
from advisor.reports.gaps import GapLog
from advisor.settings import Settings
from knowledge.cards import load_cards


def gap_log(settings: Settings) -> GapLog:
    return GapLog(settings.home / "logs" / "knowledge_gaps.jsonl")


def _may_hold_accounts(settings: Settings) -> bool:
    """False only for the default SQLite store that was never created: a fresh install
    answers from the guidance without loading the database layer."""
    return bool(settings.database_url) or (settings.home / "advisor.db").exists()


@contextmanager
def open_advisor(settings: Settings, *, accounts: bool = True) -> Iterator[Advisor]:
    """An Advisor over the index and (when it holds any) the accounts store."""
    writer = None
    if settings.llm:
        # LangChain's chat models take a second to import: only when an LLM is configured.
        # Built first, so that a provider that cannot be set up is reported at once.
        from advisor.answering.llm import GroundedWriter, make_chat_model

        chat = make_chat_model(settings)
        writer = GroundedWriter(chat) if chat is not None else None
    # The cards, parsed once per edit and kept as JSON: quicker than YAML on each start.
    cards = load_cards(cache_dir=settings.home / "cache" / "cards")
    knowledge = KnowledgeBase(open_retriever(settings), cards)
    store = None
    if accounts and _may_hold_accounts(settings):
        # The store and the portfolio analysis (SQLAlchemy, polars) load only when needed.
        from advisor.accounts.store import AccountStore

        store = AccountStore.from_settings(settings)
    try:
        directory = None
        if store is not None:
            # Even an empty store: the directory follows imports made later.
            from advisor.accounts.directory import PortfolioDirectory

            directory = PortfolioDirectory.load(store, config=settings.segments)
        yield Advisor(knowledge, directory, writer, gap_log(settings))
    finally:
        if store is not None:
            store.close()
