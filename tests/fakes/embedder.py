"""A deterministic embedder that needs no model: the index and the search without a download."""

from __future__ import annotations

import hashlib

import numpy as np

from knowledge.search.embedders import Embedder
from knowledge.search.lexical import tokenize


class FakeEmbedder(Embedder):
    """Hashed bag of tokens: same text, same vector; shared words, close vectors."""

    def __init__(self, spec: str = "fake", dim: int = 64) -> None:
        self.spec = spec
        self.dim = dim
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        vec = np.zeros(self.dim, dtype=np.float32)
        for token in tokenize(text) or ["<empty>"]:
            digest = hashlib.blake2b(token.encode(), digest_size=4).digest()
            vec[int.from_bytes(digest, "little") % self.dim] += 1.0
        norm = float(np.linalg.norm(vec)) or 1.0
        return (vec / norm).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += len(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)
