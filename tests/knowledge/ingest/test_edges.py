"""Ingest at its edges: a path that is not there, a FIFO, binary posing as text, a killed run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main
from knowledge.config import KnowledgeConfig
from knowledge.errors import UnreadableDocumentError
from knowledge.ingest.loaders import read_document
from knowledge.ingest.pipeline import ingest
from knowledge.search.index import KnowledgeIndex
from tests.fakes.embedder import FakeEmbedder

REPO = Path(__file__).resolve().parents[3]


def _empty_bundle(root: Path) -> dict[str, Path]:
    sources, cards = root / "sources", root / "cards"
    sources.mkdir(parents=True, exist_ok=True)
    cards.mkdir(exist_ok=True)
    (sources / "manifest.yaml").write_text("sources: []\n")
    return {"sources_dir": sources, "cards_dir": cards}


def _sources(config: KnowledgeConfig) -> set[str]:
    return {r.source for r in KnowledgeIndex(config).records()}


def test_a_path_that_does_not_exist_is_an_error(advisor_home, use_fake_embedder, tmp_path) -> None:
    missing = tmp_path / "no-such-playbooks"
    result = CliRunner().invoke(main, ["ingest", str(missing)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.strip().splitlines() == [f"error: no such file or folder: {missing}"]
    assert not (advisor_home / "index" / "index.json").exists()  # nothing was done


@contextmanager
def _fed_fifo(path: Path, text: str) -> Iterator[None]:
    """A FIFO with a writer waiting: whoever opens it reads `text` instead of hanging."""
    os.mkfifo(path)

    def feed() -> None:
        try:
            with open(path, "w", encoding="utf-8") as pipe:  # blocks until a reader opens
                pipe.write(text)
        except OSError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        yield
    finally:
        # Release the writer if nobody opened the FIFO (the behaviour wanted).
        reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        writer.join()
        os.close(reader)


def test_a_fifo_is_not_read(tmp_path) -> None:
    fifo = tmp_path / "pipe.txt"
    with (
        _fed_fifo(fifo, "a key account playbook"),
        pytest.raises(UnreadableDocumentError, match="not a regular file"),
    ):
        read_document(fifo)


def test_a_fifo_given_directly_is_skipped_with_a_message(
    advisor_home, use_fake_embedder, tmp_path
) -> None:
    fifo = tmp_path / "pipe.md"
    good = tmp_path / "good.md"
    good.write_text("Visit the key account every month.")
    with _fed_fifo(fifo, "Never read: this text comes through the pipe."):
        result = CliRunner().invoke(main, ["ingest", str(fifo), str(good), "--json"])
    assert result.exit_code == 0, result.output
    assert f"skipped: {fifo}: not a regular file" in result.stderr
    assert json.loads(result.stdout)["documents"] == 6  # the five bundled and good.md
    records = KnowledgeIndex(KnowledgeConfig(index_dir=advisor_home / "index")).records()
    assert str(fifo) not in {r.source for r in records}


@pytest.mark.parametrize(
    "content",
    [
        b"\x00" * 4096,
        b"Key account rules\x00\x00\x00\x01\x02 more",
        bytes(range(1, 9)) * 200,
    ],
    ids=["nul-bytes", "text-with-nul", "control-bytes"],
)
def test_binary_posing_as_text_is_skipped_as_unreadable(tmp_path, content) -> None:
    config = KnowledgeConfig(index_dir=tmp_path / "index")
    fake = tmp_path / "notes.txt"
    fake.write_bytes(content)
    good = tmp_path / "good.md"
    good.write_text("핵심 고객 관리 전담 부서를 설립합니다.")
    report = ingest(
        config, FakeEmbedder(), [fake, good], out_of_scope=None, **_empty_bundle(tmp_path)
    )
    assert any(str(fake) in s and "binary data" in s for s in report.skipped), report.skipped
    assert report.documents == 1
    assert _sources(config) == {str(good)}


def test_text_with_tabs_and_form_feeds_is_still_text(tmp_path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Rule\t1\fRule\t2\r\nRule 3\n")
    assert "Rule\t1" in read_document(page)


_KILLED_INGEST = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from knowledge.config import KnowledgeConfig
    from knowledge.ingest.pipeline import ingest
    from tests.fakes.embedder import FakeEmbedder

    class Stuck(FakeEmbedder):
        def embed_documents(self, texts):
            print("embedding", flush=True)
            time.sleep(3600)  # killed here

    root = Path(sys.argv[1])
    ingest(KnowledgeConfig(index_dir=root / "index"), Stuck(), [root / "playbooks"],
           sources_dir=root / "sources", cards_dir=root / "cards", out_of_scope=None)
""")


def test_a_path_of_a_killed_ingest_is_remembered(tmp_path) -> None:
    bundle = _empty_bundle(tmp_path)
    config = KnowledgeConfig(index_dir=tmp_path / "index")
    first = tmp_path / "first.md"
    first.write_text("대형 고객 관리 전략")
    ingest(config, FakeEmbedder(), [first], out_of_scope=None, **bundle)
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir()
    (playbooks / "visits.md").write_text("Visit the top twenty accounts every month.")

    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_INGEST, str(tmp_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "embedding"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()

    ingest(config, FakeEmbedder(), [], out_of_scope=None, **bundle)  # no paths given
    assert _sources(config) == {str(first), str(playbooks / "visits.md")}
    assert KnowledgeIndex(config).state().extra_paths == [str(first), str(playbooks)]
