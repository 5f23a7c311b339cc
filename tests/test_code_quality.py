"""The code base stays ruff-clean and keeps its import direction (bot → advisor → knowledge)."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    return subprocess.run([ruff, *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_is_clean() -> None:
    done = _ruff("check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_applied() -> None:
    done = _ruff("format", "--check", ".")
    assert done.returncode == 0, "run `ruff format .`:\n" + done.stdout + done.stderr


def _imports(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_imports_flow_one_way() -> None:
    assert not _imports("knowledge") & {"advisor", "bot", "telegram"}
    assert not _imports("advisor") & {"bot", "telegram"}


# ---- the rules of docs/architecture.md -------------------------------------------------

SOURCE_PACKAGES = ("knowledge", "advisor", "bot")


def _modules() -> list[tuple[str, ast.Module]]:
    """(path relative to the root, parsed module) of every source file."""
    return [
        (path.relative_to(ROOT).as_posix(), ast.parse(path.read_text("utf-8")))
        for package in SOURCE_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    ]


def _called_name(call: ast.Call) -> str | None:
    """`Foo` for `Foo(...)`, `Foo.load` for `Foo.load(...)`, `bar` for `x.bar(...)`."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id[:1].isupper():
            return f"{func.value.id}.{func.attr}"
        return func.attr
    return None


ENVIRONMENT_READERS = {"environ", "getenv", "putenv", "load_dotenv", "dotenv_values"}
READS_THE_ENVIRONMENT = {"advisor/settings.py", "bot/app.py"}


def _environment_reads(modules: list[tuple[str, ast.Module]]) -> list[str]:
    found = []
    for path, module in modules:
        for node in ast.walk(module):
            name = None
            if isinstance(node, ast.Attribute) and node.attr in ENVIRONMENT_READERS:
                name = node.attr
            elif isinstance(node, ast.Name) and node.id in ENVIRONMENT_READERS:
                name = node.id
            elif isinstance(node, ast.ImportFrom) and node.module in ("os", "dotenv"):
                name = next((a.name for a in node.names if a.name in ENVIRONMENT_READERS), None)
            if name and path not in READS_THE_ENVIRONMENT:
                found.append(f"{path}:{node.lineno}: {name}")
    return found


def test_the_environment_is_read_only_in_settings_and_the_bot_entry_point() -> None:
    found = _environment_reads(_modules())
    assert not found, "read the environment in advisor/settings.py:\n" + "\n".join(found)


def test_telegram_types_stay_in_the_bot() -> None:
    found = []
    for path, module in _modules():
        if path.startswith("bot/"):
            continue
        for node in ast.walk(module):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path}:{node.lineno}: {n}" for n in names if n.split(".")[0] == "telegram"]
    assert not found, "\n".join(found)


# What only advisor/wiring.py builds: the stores, the knowledge base and its search, the
# chat model, the advisor, the conversation and the alert runs. A store's own module may
# open its engine (advisor/database.py), and the sample portfolio is analysed in a
# throwaway in-memory store of its own (advisor/accounts/sample.py).
WIRED = {
    "AccountStore": {"advisor/accounts/sample.py"},
    "UserStore": set(),
    "AlertStore": set(),
    "create_engine": {"advisor/database.py"},
    "open_engine": {"advisor/accounts/store.py", "advisor/users/store.py"},
    "KnowledgeIndex": set(),
    "HybridRetriever": set(),
    "make_embedder": set(),
    "KnowledgeBase": set(),
    "make_chat_model": set(),
    "GroundedWriter": set(),
    "PortfolioDirectory": set(),
    "PortfolioDirectory.load": set(),
    "Advisor": set(),
    "GapLog": set(),
    "Conversation": set(),
    "AlertService": set(),
}


def _unwired(modules: list[tuple[str, ast.Module]]) -> list[str]:
    found = []
    for path, module in modules:
        if path == "advisor/wiring.py" or path.startswith("knowledge/"):
            continue  # the knowledge package builds its own parts (the ingest pipeline)
        for node in ast.walk(module):
            if isinstance(node, ast.Call):
                name = _called_name(node)
                if name in WIRED and path not in WIRED[name]:
                    found.append(f"{path}:{node.lineno}: {name}(...)")
    return found


def test_objects_are_built_in_one_wiring_place() -> None:
    found = _unwired(_modules())
    assert not found, "build these in advisor/wiring.py:\n" + "\n".join(found)


def test_the_rules_can_fail() -> None:
    """The scans find what they look for: a rule that cannot fail checks nothing."""
    source = (
        "import os\nfrom os import getenv\nurl = os.environ['ADVISOR_DATABASE_URL']\n"
        "store = AccountStore(url)\nadvisor = Advisor(kb)\nd = PortfolioDirectory.load(store)\n"
    )
    module = [("advisor/chat/core.py", ast.parse(source))]
    assert [f.split(": ")[1] for f in _environment_reads(module)] == ["getenv", "environ"]
    assert [f.split(": ")[1] for f in _unwired(module)] == [
        "AccountStore(...)",
        "Advisor(...)",
        "PortfolioDirectory.load(...)",
    ]
    assert _unwired([("advisor/wiring.py", ast.parse(source))]) == []
