"""The one place objects are built: stores, knowledge base, advisor, conversation, alerts, quiz.

Everything is built from `Settings` and handed to the CLI, `advisor chat`, the
bot and the Python API (`advisor.open_advisor`); nothing else constructs them.
The stores of one process share one database engine (`open_stores`).

Every layer is imported inside the function that builds it, so that a command
loads only what it uses: `advisor users list` loads no search, and `advisor ask`
on a fresh install never loads the database layer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.clock import Clock, utcnow
from advisor.settings import Settings
from knowledge.progress import Progress, silent

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from advisor.accounts.directory import PortfolioDirectory
    from advisor.accounts.store import AccountStore
    from advisor.alerts.service import AlertService
    from advisor.answering.knowledge import KnowledgeBase
    from advisor.answering.service import Advisor
    from advisor.chat.core import Conversation
    from advisor.quiz import QuizService
    from advisor.reports.gaps import GapLog
    from advisor.users.store import User, UserStore
    from knowledge.ingest.pipeline import IngestReport
    from knowledge.search.retrieval import HybridRetriever

log = logging.getLogger(__name__)


# ---- the stores ----------------------------------------------------------------------


def account_store(settings: Settings, engine: Engine | None = None) -> AccountStore:
    """The accounts store named by `Settings.db_url` (ADVISOR_DATABASE_URL or home)."""
    from advisor.accounts.store import AccountStore

    return AccountStore(settings.db_url, cache_dir=settings.home / "cache", engine=engine)


def user_store(settings: Settings, engine: Engine | None = None) -> UserStore:
    """The users, their language and feedback, in the same database as the accounts."""
    from advisor.users.store import UserStore

    return UserStore(settings.db_url, engine=engine)


@dataclass(frozen=True)
class Stores:
    """The stores of one process, over one engine."""

    engine: Engine
    accounts: AccountStore
    users: UserStore


@contextmanager
def open_stores(settings: Settings) -> Iterator[Stores]:
    """The accounts and user stores over one engine, disposed of at the end."""
    from advisor.database import open_engine, shown
    from advisor.errors import AdvisorError

    try:
        engine = open_engine(settings.db_url)
    except Exception as exc:  # what a store would report: the URL, the reason
        raise AdvisorError(f"cannot open the database {shown(settings.db_url)}: {exc}") from exc
    try:
        # The user store first: it creates the default database, so the accounts
        # store follows data imported while the process runs, even on a new home.
        users = user_store(settings, engine)
        yield Stores(engine, account_store(settings, engine), users)
    finally:
        engine.dispose()


def portfolio_directory(settings: Settings, store: AccountStore) -> PortfolioDirectory:
    """The accounts and their analysis (segments, risks) over `store`, kept current."""
    from advisor.accounts.directory import PortfolioDirectory

    return PortfolioDirectory.load(store, config=settings.segments)


# ---- the knowledge base -----------------------------------------------------------


def run_ingest(
    settings: Settings,
    paths: Sequence[Path] = (),
    *,
    rebuild: bool = False,
    forget: Sequence[Path] = (),
    progress: Progress = silent,
) -> IngestReport:
    """Index the bundled guidance and cards, plus `paths`, into the index in ADVISOR_HOME."""
    from advisor.answering.knowledge import what_to_do
    from knowledge.ingest.pipeline import ingest
    from knowledge.search.embedders import make_embedder
    from knowledge.search.prototypes import OUT_OF_SCOPE_FILE

    config = settings.knowledge()
    with what_to_do():
        return ingest(
            config,
            make_embedder(config.embedder),
            paths,
            rebuild=rebuild,
            forget=forget,
            out_of_scope=OUT_OF_SCOPE_FILE,
            progress=progress,
        )


def open_retriever(settings: Settings) -> HybridRetriever:
    """The retriever over the index in ADVISOR_HOME, built first if there is none yet:
    the bundled guidance is always there to index, so a fresh install just works."""
    from advisor.answering.knowledge import what_to_do
    from knowledge.search.embedders import make_embedder
    from knowledge.search.index import KnowledgeIndex
    from knowledge.search.retrieval import HybridRetriever

    config = settings.knowledge()
    index = KnowledgeIndex(config)
    if not index.exists():
        log.warning(
            "no knowledge index in %s yet: building it from the bundled guidance (once)",
            config.index_dir,
        )
        run_ingest(settings)
    with what_to_do():
        return HybridRetriever(index, make_embedder(config.embedder))


def open_knowledge(settings: Settings) -> KnowledgeBase:
    """Search plus the cards. The cards are parsed once per edit and kept as JSON:
    quicker than YAML on each start."""
    from advisor.answering.knowledge import KnowledgeBase
    from knowledge.cards import load_cards

    cards = load_cards(cache_dir=settings.home / "cache" / "cards")
    return KnowledgeBase(open_retriever(settings), cards)


# ---- the advisor -----------------------------------------------------------------------


def gap_log(settings: Settings) -> GapLog:
    from advisor.reports.gaps import GapLog

    return GapLog(settings.home / "logs" / "knowledge_gaps.jsonl")


def _may_hold_accounts(settings: Settings) -> bool:
    """False only for the default SQLite store that was never created: a fresh install
    answers from the guidance without loading the database layer."""
    return bool(settings.database_url) or (settings.home / "advisor.db").exists()


@contextmanager
def open_advisor(
    settings: Settings, *, accounts: bool = True, store: AccountStore | None = None
) -> Iterator[Advisor]:
    """An Advisor over the index and (when it holds any) the accounts store.

    `store`: an accounts store already open (shared with other stores of the
    process); otherwise the advisor opens one, when there can be accounts, and
    closes it at the end.
    """
    from advisor.answering.service import Advisor

    writer = None
    if settings.llm:
        # LangChain's chat models take a second to import: only when an LLM is configured.
        # Built first, so that a provider that cannot be set up is reported at once.
        from advisor.answering.llm import GroundedWriter, make_chat_model

        chat = make_chat_model(settings)
        writer = GroundedWriter(chat) if chat is not None else None
    knowledge = open_knowledge(settings)
    owned = None
    if store is None and accounts and _may_hold_accounts(settings):
        store = owned = account_store(settings)
    try:
        directory = None
        if store is not None:
            # Even an empty store: the directory follows imports made later.
            directory = portfolio_directory(settings, store)
        yield Advisor(knowledge, directory, writer, gap_log(settings))
    finally:
        if owned is not None:
            owned.close()


# ---- the quiz ------------------------------------------------------------------------


def quiz_service(engine: Engine, knowledge: Any, now: Clock = utcnow) -> QuizService:
    """The drills over a knowledge base's cards, their progress in the database of `engine`.
    The sample portfolio is analysed on the first segment drill, not here."""
    from advisor.quiz import QuizService

    return QuizService.over(engine, knowledge, now)


# ---- the conversation, the alerts -----------------------------------------------------


@contextmanager
def open_conversation(
    settings: Settings,
    *,
    local_user: Callable[[UserStore], User] | None = None,
    rate_capacity: float | None = None,
) -> Iterator[Conversation]:
    """The chat core over the advisor, the users and the quiz, the stores on one engine.

    `local_user`: the terminal's own user (`advisor chat --role …`), made from the
    user store and not stored in it. `rate_capacity`: None keeps the bot's limit.
    """
    from advisor.chat.access import Users
    from advisor.chat.core import Conversation, LocalUser

    with open_stores(settings) as stores, open_advisor(settings, store=stores.accounts) as advisor:
        users: Users = stores.users
        if local_user is not None:
            users = LocalUser(stores.users, local_user(stores.users))
        options: dict[str, Any] = {} if rate_capacity is None else {"rate_capacity": rate_capacity}
        yield Conversation(
            advisor,
            users,
            settings.home / "charts",
            quiz=quiz_service(stores.engine, advisor.knowledge),
            **options,
        )


@contextmanager
def open_alert_service(
    settings: Settings, conversation: Conversation, now: Clock = utcnow
) -> Iterator[AlertService]:
    """The daily alerts and weekly digest over the conversation's stores and knowledge.

    Each run re-reads the accounts store, so a nightly import shows in the next
    morning's alerts; the directory it loads is handed to the conversation's
    advisor too, so briefs and the at-risk list show the same data as the alerts.
    """
    from advisor.alerts.service import AlertService
    from advisor.alerts.store import AlertStore
    from advisor.users.store import UserStore

    advisor = conversation.advisor
    users = conversation.users
    store = users.store if hasattr(users, "store") else users
    if not isinstance(store, UserStore):
        raise TypeError("alerts need the conversation's user store")
    with account_store(settings, store.engine) as accounts:

        def load() -> PortfolioDirectory | None:
            if not accounts.counts().get("accounts", 0):
                return None
            directory = portfolio_directory(settings, accounts)
            # Swapping the reference is atomic: a question answered meanwhile sees
            # the old portfolio or the new one, never half of each.
            advisor.accounts = directory
            return directory

        yield AlertService(
            AlertStore(store.engine), store, load, advisor.knowledge, settings.alerts, now
        )


def digest_service(
    settings: Settings, stores: Stores, directory: PortfolioDirectory
) -> AlertService:
    """The alert service as `advisor digest` uses it: over a directory loaded once, and
    no knowledge base (the digest names no next action)."""
    from advisor.alerts.service import AlertService
    from advisor.alerts.store import AlertStore

    return AlertService(
        AlertStore(stores.engine), stores.users, lambda: directory, None, settings.alerts
    )
