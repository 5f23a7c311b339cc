"""The AccountDirectory protocol declares what its callers use, and the directory has it."""

from __future__ import annotations

import ast
from pathlib import Path

from advisor.accounts.directory import AccountDirectory, PortfolioDirectory
from advisor.accounts.store import AccountStore

ROOT = Path(__file__).resolve().parents[3]


def _declared() -> set[str]:
    return {name for name in vars(AccountDirectory) if not name.startswith("_")}


def test_the_portfolio_directory_is_an_account_directory(sample_store: AccountStore) -> None:
    directory = PortfolioDirectory.load(sample_store)
    assert isinstance(directory, AccountDirectory)
    assert {"analysis", "store", "accounts", "record", "monthly", "at_risk_ids"} <= _declared()
    assert "hours_per_week" in _declared()


def test_every_member_a_caller_reads_is_declared() -> None:
    used: dict[str, set[str]] = {}
    for package in ("advisor", "bot"):
        for path in (ROOT / package).rglob("*.py"):
            if path.parent.name == "accounts":  # the implementation and its helpers
                continue
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "directory"
                ):
                    used.setdefault(node.attr, set()).add(str(path.relative_to(ROOT)))
    assert used, "no caller found: the scan is broken"
    undeclared = {name: files for name, files in used.items() if name not in _declared()}
    assert not undeclared
