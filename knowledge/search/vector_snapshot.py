"""A snapshot of a local index's vectors, for exact search without starting Chroma.

Chroma holds the vectors and is what ingest writes and what a shared server
answers from. Loading its client takes about a second, longer than the whole
answer, so a local index also keeps its vectors as one matrix beside the
records, written at the end of each ingest. A search uses the snapshot only
when it holds exactly the records of the index, for the embedder that built
it; otherwise it asks Chroma. Cosine similarity over a few thousand unit
vectors is a millisecond of numpy, and exact.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SNAPSHOT_FILE = "vectors.npz"


@dataclass(frozen=True)
class VectorSnapshot:
    ids: tuple[str, ...]
    matrix: np.ndarray  # unit rows, one per id
    embedder: str

    @classmethod
    def of(cls, vectors: dict[str, list[float]], embedder: str) -> VectorSnapshot:
        ids = tuple(sorted(vectors))
        if not ids:
            return cls((), np.zeros((0, 0), dtype=np.float32), embedder)
        matrix = np.array([vectors[i] for i in ids], dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return cls(ids, matrix / np.where(norms == 0, 1.0, norms), embedder)

    @classmethod
    def load(cls, path: Path, embedder: str, wanted: Iterable[str]) -> VectorSnapshot | None:
        """The snapshot at `path` if it is this embedder's and holds exactly `wanted`;
        None otherwise (the search then asks Chroma)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                snapshot = cls(
                    tuple(str(i) for i in data["ids"]),
                    data["matrix"].astype(np.float32),
                    str(data["embedder"]),
                )
        except (OSError, KeyError, ValueError):
            return None
        if snapshot.embedder != embedder or set(snapshot.ids) != set(wanted):
            return None
        if snapshot.matrix.shape[0] != len(snapshot.ids):
            return None
        return snapshot

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, ids=np.array(self.ids), matrix=self.matrix, embedder=np.array(self.embedder))
        tmp.replace(path)

    def search(self, vector: list[float], n: int) -> list[tuple[str, float]]:
        """The n nearest ids by cosine similarity, best first."""
        if not self.ids:
            return []
        query = np.asarray(vector, dtype=np.float32)
        query = query / (float(np.linalg.norm(query)) or 1.0)
        sims = self.matrix @ query
        n = min(n, len(self.ids))
        top = np.argpartition(-sims, n - 1)[:n]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(self.ids[i], float(sims[i])) for i in top]


def store_holds(database: Path, collection: str) -> bool:
    """Whether Chroma's embedded store is a readable database that still has the
    collection: a damaged store must be reported, not searched around. Read with
    SQLite itself, which costs nothing next to starting Chroma; any doubt is False."""
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
            row = db.execute(
                "SELECT count(*) FROM collections WHERE name = ?", (collection,)
            ).fetchone()
    except sqlite3.Error:
        return False
    return bool(row and row[0])
