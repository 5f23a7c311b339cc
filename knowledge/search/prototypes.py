"""Card prototypes and the domain's boundary: a question compared with whole cards.

A card is indexed as many records (its text, its `when`, the example questions
reps ask). One record that happens to share a few words with a question is weak
evidence; the centroid of all of a card's records — its prototype — is a far
steadier picture of what the card is about (nearest-centroid classification).
The same is done for questions the guidance does not cover
(knowledge/data/out_of_scope.yaml), one prototype per category of them, so a
question can be placed on one side of the domain's boundary or the other.

Both are computed at ingest and kept beside the index in `prototypes.npz`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.search.index import CARD, Record
from knowledge.yamlfile import load_yaml

OUT_OF_SCOPE_FILE = Path(__file__).parents[1] / "data" / "out_of_scope.yaml"


def _normalised(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def centroids(labels: Sequence[str], vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
    """One unit-length centroid per label, labels in first-seen order."""
    order = list(dict.fromkeys(labels))
    if not order:
        return [], np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float32)
    unit = _normalised(np.asarray(vectors, dtype=np.float32))
    index = {label: i for i, label in enumerate(order)}
    sums = np.zeros((len(order), unit.shape[1]), dtype=np.float32)
    for label, vector in zip(labels, unit, strict=True):
        sums[index[label]] += vector
    return order, _normalised(sums)


def out_of_scope_questions(path: Path = OUT_OF_SCOPE_FILE) -> list[tuple[str, str]]:
    """(category, question) for every question outside the domain."""
    if not path.exists():
        return []
    data = load_yaml(path.read_text("utf-8")) or {}
    return [
        (category, str(question))
        for category, by_language in (data.get("categories") or {}).items()
        for questions in (by_language or {}).values()
        for question in questions or ()
    ]


def outside_prototypes(
    questions: Sequence[tuple[str, str]], embed: Callable[[list[str]], list[list[float]]]
) -> tuple[list[str], np.ndarray | None]:
    """One prototype per category of out-of-scope questions, embedded as queries."""
    if not questions:
        return [], None
    vectors = np.array(embed([q for _, q in questions]), dtype=np.float32)
    return centroids([c for c, _ in questions], vectors)


def boundary_key(questions: Iterable[tuple[str, str]], embedder_spec: str) -> str:
    digest = hashlib.sha256(embedder_spec.encode())
    for category, question in questions:
        digest.update(f"{category}\x1f{question}\x1e".encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Prototypes:
    """Card prototypes and out-of-scope prototypes, as unit vectors."""

    card_ids: tuple[str, ...]
    cards: np.ndarray
    outside_ids: tuple[str, ...] = ()
    outside: np.ndarray | None = None
    boundary: str = ""  # the key of the out-of-scope questions they were built from

    @classmethod
    def empty(cls) -> Prototypes:
        return cls((), np.zeros((0, 0), dtype=np.float32))

    @classmethod
    def from_records(
        cls,
        records: Sequence[Record],
        vectors: dict[str, list[float]],
        outside: tuple[Sequence[str], np.ndarray | None] = ((), None),
        boundary: str = "",
    ) -> Prototypes:
        """Card prototypes from the card records' vectors; `outside` is (category ids,
        their prototypes), computed by `outside_prototypes`."""
        cards = [r for r in records if r.kind == CARD and r.card_id and r.id in vectors]
        ids: list[str] = []
        matrix = np.zeros((0, 0), dtype=np.float32)
        if cards:
            ids, matrix = centroids(
                [r.card_id or "" for r in cards],
                np.array([vectors[r.id] for r in cards], dtype=np.float32),
            )
        return cls(tuple(ids), matrix, tuple(outside[0]), outside[1], boundary)

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(
            tmp,
            card_ids=np.array(self.card_ids, dtype=object),
            cards=self.cards,
            outside_ids=np.array(self.outside_ids, dtype=object),
            outside=self.outside if self.outside is not None else np.zeros((0, 0)),
            boundary=np.array(self.boundary),
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Prototypes:
        with np.load(path, allow_pickle=True) as data:
            outside = data["outside"]
            return cls(
                tuple(str(i) for i in data["card_ids"]),
                data["cards"].astype(np.float32),
                tuple(str(i) for i in data["outside_ids"]),
                outside.astype(np.float32) if outside.size else None,
                str(data["boundary"]),
            )

    def card_scores(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine similarity of each query vector (rows) to each card prototype (columns)."""
        if not self.card_ids:
            return np.zeros((len(vectors), 0), dtype=np.float32)
        return _normalised(np.asarray(vectors, dtype=np.float32)) @ self.cards.T

    def outside_similarity(self, vector: np.ndarray) -> float:
        """The best similarity of a question to a category of questions outside the domain."""
        if self.outside is None or not len(self.outside):
            return 0.0
        return float(
            np.max(_normalised(np.asarray(vector, dtype=np.float32)[None]) @ self.outside.T)
        )
