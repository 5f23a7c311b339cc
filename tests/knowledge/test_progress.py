"""Progress: the steps a user waits for are told, and bars appear only on a terminal."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from advisor.cli.progress import progress_bars
from knowledge.config import KnowledgeConfig
from knowledge.ingest.pipeline import ingest
from knowledge.progress import silent
from tests.fakes.embedder import FakeEmbedder
from tests.fakes.progress import Recorder


def test_ingest_tells_documents_read_and_records_embedded(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"note{i}.md").write_text(f"Key account visit plan number {i}.", "utf-8")
    recorder = Recorder()
    report = ingest(
        KnowledgeConfig(index_dir=tmp_path / "index"),
        FakeEmbedder(),
        [docs],
        out_of_scope=None,
        progress=recorder,
    )
    assert recorder.steps["documents read"] == [3, 3]
    assert recorder.steps["records embedded"] == [report.added, report.added]


def test_bars_only_on_a_terminal_and_never_with_json(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress_bars() is silent
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    assert progress_bars(as_json=True) is silent
    step = progress_bars()("records embedded", 10)
    step.advance(10)
    step.close()
    assert "records embedded" in screen.getvalue()
