"""Fixtures of the advisor tests (accounts, reports, CLI): temporary stores and homes, and
the sample portfolio in a store of its own, analysed once per run.

Nothing here touches the user's home: every store lives under pytest's tmp_path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.accounts.portfolio import PortfolioAnalysis, analyse_store
from advisor.accounts.store import AccountStore


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """ADVISOR_HOME in a temporary directory, with no stray settings from the environment."""
    monkeypatch.setenv("ADVISOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ADVISOR_DATABASE_URL", raising=False)
    for name in list(os.environ):
        if name.startswith("ADVISOR_SEGMENT_"):
            monkeypatch.delenv(name)
    return tmp_path / "home"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AccountStore]:
    s = AccountStore(f"sqlite:///{tmp_path / 'accounts.db'}")
    yield s
    s.close()


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """write(name, text_or_bytes) -> path of a file in tmp_path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write


@pytest.fixture(scope="session")
def sample(sample_store: AccountStore) -> PortfolioAnalysis:
    return analyse_store(sample_store)
