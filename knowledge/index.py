"""The on-disk index: vectors in Chroma, records and BM25 beside them.

Layout of `KnowledgeConfig.index_dir`:
- `chroma/` — the Chroma PersistentClient (unless a Chroma server is used);
- `records.jsonl` — every indexed record (passages and card representations),
  in the order of the BM25 index;
- `bm25/` — the lexical index;
- `index.json` — which embedder built the index, and what was ingested;
- `write.lock` — held by the one process allowed to write.

Record ids are hashes of content, so ingesting the same text twice adds
nothing, and a changed passage gets a new id (the old one is removed).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from knowledge.config import KnowledgeConfig
from knowledge.errors import EmbedderMismatchError, IndexLockedError, IndexMissingError
from knowledge.lexical import LexicalIndex

INDEX_FORMAT = 1
PASSAGE, CARD = "passage", "card"
WHEN, EXAMPLE = "when", "example"  # facets of a card record besides its whole text
_EMBED_BATCH = 64


def content_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Record:
    """One indexed document: a source passage, or one language of one card."""

    id: str
    kind: str
    text: str
    language: str
    source: str = ""
    heading: str = ""
    original: str | None = None
    card_id: str | None = None
    passages: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    cards: tuple[str, ...] = ()
    facet: str = ""  # of a card record: "" (its whole text), "when" or "example"

    def embedding_text(self) -> str:
        return f"{self.heading}\n{self.text}" if self.heading else self.text

    def lexical_text(self) -> str:
        extra = f"\n{self.original}" if self.original else ""
        return self.embedding_text() + extra

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v not in (None, "", ())}
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Record:
        data: dict[str, Any] = json.loads(line)
        for key in ("passages", "segments", "cards"):
            data[key] = tuple(data.get(key, ()))
        return cls(**data)


@dataclass
class IndexState:
    """What index.json records."""

    embedder: str
    format: int = INDEX_FORMAT
    extra_paths: list[str] = field(default_factory=list)
    documents: int = 0
    passages: int = 0
    cards: int = 0


def _chroma_client(config: KnowledgeConfig) -> Any:
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if config.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(config.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=settings,
        )
    return chromadb.PersistentClient(path=str(config.index_dir / "chroma"), settings=settings)


class KnowledgeIndex:
    """Read and write access to one index directory."""

    def __init__(self, config: KnowledgeConfig) -> None:
        self.config = config
        self.dir = config.index_dir
        self._client: Any = None

    # -- state -------------------------------------------------------------
    @property
    def state_file(self) -> Path:
        return self.dir / "index.json"

    def exists(self) -> bool:
        return self.state_file.exists()

    def state(self) -> IndexState:
        if not self.exists():
            raise IndexMissingError(
                f"no knowledge index in {self.dir}: run `advisor ingest` first"
            )
        return IndexState(**json.loads(self.state_file.read_text("utf-8")))

    def check_embedder(self, spec: str) -> None:
        """Refuse to mix vectors of two embedders in one index."""
        built_with = self.state().embedder
        if built_with != spec:
            raise EmbedderMismatchError(
                f"the index in {self.dir} was built with embedder {built_with!r}, "
                f"but {spec!r} is configured. Rebuild it with "
                f"`ADVISOR_EMBEDDER={spec} advisor ingest --rebuild`, or set "
                f"ADVISOR_EMBEDDER={built_with}"
            )

    # -- vectors -------------------------------------------------------------
    def collection(self) -> Any:
        if self._client is None:
            self._client = _chroma_client(self.config)
        return self._client.get_or_create_collection(
            self.config.collection,
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )

    def drop_collection(self) -> None:
        if self._client is None:
            self._client = _chroma_client(self.config)
        names = {getattr(c, "name", c) for c in self._client.list_collections()}
        if self.config.collection in names:
            self._client.delete_collection(self.config.collection)

    def vector_ids(self) -> set[str]:
        return set(self.collection().get(include=[])["ids"])

    def vectors(self, ids: list[str]) -> dict[str, list[float]]:
        """The stored vectors of these records."""
        out: dict[str, list[float]] = {}
        for start in range(0, len(ids), 1000):
            got = self.collection().get(ids=ids[start : start + 1000], include=["embeddings"])
            out.update(zip(got["ids"], (list(v) for v in got["embeddings"]), strict=True))
        return out

    @property
    def prototypes_file(self) -> Path:
        return self.dir / "prototypes.npz"

    def add(self, records: list[Record], embedder: Any) -> None:
        collection = self.collection()
        # Example questions are embedded as queries, the rest as passages.
        questions = [r for r in records if r.facet == EXAMPLE]
        others = [r for r in records if r.facet != EXAMPLE]
        for group, embed in ((others, embedder.embed_documents),
                             (questions, questions_embedding(embedder))):
            self._add(collection, group, embed)

    @staticmethod
    def _add(collection: Any, records: list[Record], embed: Any) -> None:
        for start in range(0, len(records), _EMBED_BATCH):
            batch = records[start : start + _EMBED_BATCH]
            vectors = embed([r.embedding_text() for r in batch])
            collection.upsert(
                ids=[r.id for r in batch],
                embeddings=vectors,
                documents=[r.text for r in batch],
                metadatas=[{"kind": r.kind, "language": r.language, "source": r.source} for r in batch],
            )

    def remove(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), 1000):
            self.collection().delete(ids=ids[start : start + 1000])

    # -- records and the lexical index --------------------------------------------
    def write(self, records: list[Record], state: IndexState) -> None:
        """Replace records, BM25 and state; each file swapped in whole."""
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / "records.jsonl.tmp"
        tmp.write_text("".join(r.to_json() + "\n" for r in records), "utf-8")
        lexical = LexicalIndex.build([r.lexical_text() for r in records])
        bm25_tmp = self.dir / "bm25.tmp"
        lexical.save(bm25_tmp)
        os.replace(tmp, self.dir / "records.jsonl")
        _replace_dir(bm25_tmp, self.dir / "bm25")
        state_tmp = self.dir / "index.json.tmp"
        state_tmp.write_text(json.dumps(asdict(state), indent=2), "utf-8")
        os.replace(state_tmp, self.state_file)

    def records(self) -> list[Record]:
        path = self.dir / "records.jsonl"
        if not path.exists():
            return []
        with path.open(encoding="utf-8") as handle:
            return [Record.from_json(line) for line in handle if line.strip()]

    def lexical(self, size: int) -> LexicalIndex:
        return LexicalIndex.load(self.dir / "bm25", size)

    # -- the one writer -----------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the write lock; a second writer fails at once with a clear message."""
        self.dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.dir / "write.lock"), timeout=0)
        owner = self.dir / "write.owner"
        try:
            lock.acquire()
        except Timeout as exc:
            who = owner.read_text().strip() if owner.exists() else "another process"
            raise IndexLockedError(
                f"the knowledge index in {self.dir} is being written by {who}; "
                "wait for that ingest to finish and try again"
            ) from exc
        try:
            owner.write_text(f"process {os.getpid()}")
            yield
        finally:
            owner.unlink(missing_ok=True)
            lock.release()


def questions_embedding(embedder: Any) -> Any:
    """`embed_questions` where the embedder has it (any LangChain `Embeddings` may be given)."""
    if hasattr(embedder, "embed_questions"):
        return embedder.embed_questions
    return lambda texts: [embedder.embed_query(t) for t in texts]


def _replace_dir(new: Path, target: Path) -> None:
    old = target.with_name(target.name + ".old")
    if old.exists():
        _rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    if old.exists():
        _rmtree(old)


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
