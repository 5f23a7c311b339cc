"""Chroma, the vector store under the index: the client, and one collection per embedder.

Collections are named `passages-<embedder>-<dimension>-<hash>` and their metadata
names the embedder and dimension of their vectors, so advisors sharing a Chroma
server with different embedders never read, overwrite or delete each other's
vectors. Chroma is imported only when a client is made.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from knowledge.config import KnowledgeConfig
from knowledge.errors import (
    EmbedderMismatchError,
    IndexDamagedError,
    KnowledgeError,
    VectorStoreUnavailableError,
)


def collection_name(prefix: str, spec: str, dimension: int) -> str:
    """The Chroma collection of one embedder's vectors: readable, and unique by a hash
    of the spec (Chroma names allow letters, digits, `-`, `_` and `.`)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", spec).strip("-")[:40] or "embedder"
    digest = hashlib.sha256(spec.encode("utf-8")).hexdigest()[:8]
    return f"{prefix}-{slug}-{dimension}-{digest}"


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def chroma_client(config: KnowledgeConfig) -> Any:
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if config.chroma_url:
        from urllib.parse import urlparse

        try:
            url = urlparse(config.chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=settings,
            )
        except Exception as exc:  # noqa: BLE001 - refused, DNS, TLS, a bad port: all "unreachable"
            raise VectorStoreUnavailableError(
                f"cannot reach the Chroma server at {config.chroma_url} ({first_line(exc)})",
                config.chroma_url,
            ) from exc
    path = config.index_dir / "chroma"
    try:
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except Exception as exc:  # noqa: BLE001 - a damaged database fails in many ways
        forget_store(path)
        raise IndexDamagedError(
            f"the vector store in {path} cannot be opened ({first_line(exc)})"
        ) from exc


def forget_store(path: Path) -> None:
    """Drop Chroma's in-process cache of the embedded store at `path`: a store that failed
    to open stays cached, broken, and would be handed out again."""
    from chromadb.api.client import SharedSystemClient

    systems = getattr(SharedSystemClient, "_identifier_to_system", {})
    systems.pop(str(path), None)


@contextmanager
def server_calls(config: KnowledgeConfig, doing: str) -> Iterator[None]:
    """Calls to a Chroma server that may go away part-way: its failure becomes one
    clear error, not a traceback of the HTTP client's. A local store's errors, a
    missing collection and our own errors pass through as they are."""
    try:
        yield
    except KnowledgeError:
        raise
    except Exception as exc:
        if not config.chroma_url or is_not_found(exc):
            raise
        raise VectorStoreUnavailableError(
            f"lost the Chroma server at {config.chroma_url} while {doing} ({first_line(exc)})",
            config.chroma_url,
        ) from exc


def is_not_found(exc: Exception) -> bool:
    from chromadb.errors import NotFoundError

    return isinstance(exc, NotFoundError) or "does not exist" in str(exc)


def check_owner(collection: Any, spec: str, dimension: int) -> None:
    """A collection's metadata names the embedder and dimension of its vectors."""
    meta = collection.metadata or {}
    if (meta.get("embedder"), meta.get("dimension")) not in ((spec, dimension), (None, None)):
        raise EmbedderMismatchError(
            f"the Chroma collection {collection.name!r} holds vectors of embedder "
            f"{meta.get('embedder')!r} ({meta.get('dimension')} dimensions), "
            f"not of {spec!r} ({dimension} dimensions)",
            built_with=str(meta.get("embedder")),
            configured=spec,
        )


def move_vectors(client: Any, old_name: str, target: Any, dimension: int) -> int:
    """Move every vector of collection `old_name` into `target` and delete it; nothing
    moves when its vectors are not of `dimension`, or when there is no such collection."""
    if old_name not in {getattr(c, "name", c) for c in client.list_collections()}:
        return 0
    old = client.get_collection(old_name, embedding_function=None)
    moved = 0
    while True:
        got = old.get(include=["embeddings", "metadatas"], limit=1000, offset=moved)
        if not got["ids"]:
            break
        if len(got["embeddings"][0]) != dimension:
            return 0
        target.upsert(ids=got["ids"], embeddings=got["embeddings"], metadatas=got["metadatas"])
        moved += len(got["ids"])
    client.delete_collection(old_name)
    return moved
