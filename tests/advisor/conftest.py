"""The sample portfolio in a temporary store, analysed once per run."""

from __future__ import annotations

import pytest

from advisor.accounts.importer import import_files
from advisor.accounts.sample import sample_dir
from advisor.accounts.store import AccountStore
from advisor.directory import PortfolioDirectory


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
