"""Imports inside advisor.accounts go one way: no module imports one that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

ACCOUNTS = Path(__file__).resolve().parents[3] / "advisor" / "accounts"
PREFIX = "advisor.accounts."


def _graph() -> dict[str, set[str]]:
    """Every import of a sibling module, type-checking-only and function-local ones too."""
    graph: dict[str, set[str]] = {}
    for path in ACCOUNTS.glob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found |= {n[len(PREFIX) :].split(".")[0] for n in names if n.startswith(PREFIX)}
        graph[path.stem] = found - {path.stem}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = 1
        path.append(module)
        for nxt in sorted(graph.get(module, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[module] = 2
        return []

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return []


def test_explain_does_not_import_segmentation() -> None:
    graph = _graph()
    assert "explain" in graph["segmentation"]
    assert "segmentation" not in graph["explain"]


def test_no_import_cycle_among_the_accounts_modules() -> None:
    assert _cycle(_graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
