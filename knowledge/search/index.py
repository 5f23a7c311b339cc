"""The on-disk index: vectors in Chroma, records and BM25 beside them.

Layout of `KnowledgeConfig.index_dir`:
- `chroma/` — the Chroma PersistentClient (unless a Chroma server is used);
- `records.jsonl` — every indexed record (passages and card representations),
  in the order of the BM25 index;
- `bm25/` — the lexical index;
- `index.json` — which embedder built the index (its spec, the vectors' dimension
  and the Chroma collection holding them), and what was ingested;
- `paths.json` — the user's paths to ingest, written before the long part of an
  ingest so that a killed one does not forget them;
- `write.lock` — held by the one process allowed to write.

Vectors live in one Chroma collection per embedder and dimension
(`passages-<embedder>-<dimension>-<hash>`), so advisors sharing a Chroma server
with different embedders never mix or drop each other's vectors; the
collection's metadata names its embedder, and a mismatch is an error.

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
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from knowledge.config import KnowledgeConfig
from knowledge.errors import (
    EmbedderMismatchError,
    IndexDamagedError,
    IndexLockedError,
    IndexMissingError,
)
from knowledge.search.chroma_store import (
    check_owner,
    chroma_client,
    collection_name,
    first_line,
    is_not_found,
    move_vectors,
    server_calls,
)
from knowledge.search.lexical import LexicalIndex

if TYPE_CHECKING:
    from knowledge.search.prototypes import Prototypes

INDEX_FORMAT = 1
PASSAGE, CARD = "passage", "card"
WHEN, EXAMPLE = "when", "example"  # facets of a card record besides its whole text
_EMBED_BATCH = 64
_UPSERT_BATCH = 1000


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
    dimension: int | None = None  # None: written before collections were per embedder
    collection: str | None = None
    records: int = 0  # lines of records.jsonl; 0: written before they were counted


class KnowledgeIndex:
    """Read and write access to one index directory."""

    def __init__(self, config: KnowledgeConfig) -> None:
        self.config = config
        self.dir = config.index_dir
        self._client: Any = None
        self._collection: Any = None
        # (embedder spec, dimension) whose collection an ingest writes; None: read the
        # collection index.json names.
        self._target: tuple[str, int] | None = None

    # -- state -------------------------------------------------------------
    @property
    def state_file(self) -> Path:
        return self.dir / "index.json"

    def exists(self) -> bool:
        return self.state_file.exists()

    def state(self) -> IndexState:
        if not self.exists():
            raise IndexMissingError(f"no knowledge index in {self.dir}")
        try:
            state = IndexState(**json.loads(self.state_file.read_text("utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise IndexDamagedError(f"{self.state_file} is damaged ({first_line(exc)})") from exc
        if not isinstance(state.embedder, str) or not isinstance(state.extra_paths, list):
            raise IndexDamagedError(f"{self.state_file} is damaged (unexpected values)")
        return state

    def check_embedder(self, spec: str) -> None:
        """Refuse to mix vectors of two embedders in one index."""
        built_with = self.state().embedder
        if built_with != spec:
            raise EmbedderMismatchError(
                f"the index in {self.dir} was built with embedder {built_with!r}, "
                f"but {spec!r} is configured",
                built_with=built_with,
                configured=spec,
            )

    # -- the user's paths ------------------------------------------------------
    @property
    def paths_file(self) -> Path:
        return self.dir / "paths.json"

    def remembered_paths(self) -> list[str]:
        """The user's paths an ingest re-reads: paths.json, or index.json's list in an
        index written before paths.json existed."""
        if self.paths_file.exists():
            try:
                paths = json.loads(self.paths_file.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise IndexDamagedError(
                    f"{self.paths_file} is damaged ({first_line(exc)})"
                ) from exc
            if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
                raise IndexDamagedError(f"{self.paths_file} is damaged (not a list of paths)")
            return paths
        return self.state().extra_paths if self.exists() else []

    def remember_paths(self, paths: list[str]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.paths_file.with_name("paths.json.tmp")
        tmp.write_text(json.dumps(paths, ensure_ascii=False, indent=2), "utf-8")
        os.replace(tmp, self.paths_file)

    # -- vectors -------------------------------------------------------------
    def _connect(self) -> Any:
        if self._client is None:
            self._client = chroma_client(self.config)
        return self._client

    def connect(self) -> None:
        """Open the vector store: one that is unreachable or damaged fails here."""
        self._connect()

    def use_embedder(self, spec: str, dimension: int) -> None:
        """Write this embedder's vectors from now on: its own collection, opened at once
        (an unreachable server fails here, before any work)."""
        self._target = (spec, dimension)
        self._collection = None
        self.collection()

    @property
    def collection_name(self) -> str:
        if self._target is not None:
            return collection_name(self.config.collection, *self._target)
        return self.state().collection or self.config.collection

    def collection(self) -> Any:
        if self._collection is None:
            self._collection = (
                self._writable_collection() if self._target else self._readable_collection()
            )
        return self._collection

    def _writable_collection(self) -> Any:
        assert self._target is not None
        spec, dimension = self._target
        collection = self._connect().get_or_create_collection(
            self.collection_name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedder": spec, "dimension": dimension},
            embedding_function=None,
        )
        check_owner(collection, spec, dimension)
        return collection

    def _readable_collection(self) -> Any:
        """The collection index.json names; never created, and never silently empty."""
        state = self.state()
        name = self.collection_name
        client = self._connect()
        try:
            collection = client.get_collection(name, embedding_function=None)
        except Exception as exc:
            if not is_not_found(exc):
                raise
            raise IndexDamagedError(
                f"the vector store of the index in {self.dir} has no collection {name!r}"
            ) from exc
        if state.dimension is not None:
            check_owner(collection, state.embedder, state.dimension)
        if (state.passages or state.cards) and collection.count() == 0:
            raise IndexDamagedError(
                f"the vector store of the index in {self.dir} holds no vectors "
                f"(collection {name!r} is empty)"
            )
        return collection

    def reset_vectors(self) -> None:
        """Before a rebuild. The embedded store is this index's own: every collection in
        it goes, and a store that cannot be opened is replaced by an empty one. A Chroma
        server is shared with other advisors: nothing is deleted there, the rebuild
        overwrites this index's vectors."""
        self._collection = None
        if self.config.chroma_url:
            return
        try:
            client = self._connect()
            for found in client.list_collections():
                client.delete_collection(getattr(found, "name", found))
        except IndexDamagedError:
            self._client = None
            _rmtree(self.dir / "chroma")

    def adopt_legacy_vectors(self, state: IndexState) -> int:
        """Move the vectors of an embedded index written before collections were per
        embedder (one collection named `config.collection`, built by `state.embedder`)
        into the embedder's collection, instead of embedding them again."""
        if state.collection or self.config.chroma_url or self._target is None:
            return 0
        return move_vectors(
            self._connect(), self.config.collection, self.collection(), self._target[1]
        )

    @property
    def dimension(self) -> int | None:
        return self._target[1] if self._target else self.state().dimension

    def stale_ids(self, existing: set[str], wanted: set[str]) -> set[str]:
        """Vectors to delete: in the embedded store, every one no record needs; on a shared
        server only those of this index's previous records (the rest are other advisors')."""
        if not self.config.chroma_url:
            return existing - wanted
        try:
            own = {r.id for r in self.records()}
        except IndexDamagedError:
            own = set()
        return (own & existing) - wanted

    def vector_ids(self) -> set[str]:
        with server_calls(self.config, "listing the stored vectors"):
            return set(self.collection().get(include=[])["ids"])

    def vectors(self, ids: list[str]) -> dict[str, list[float]]:
        """The stored vectors of these records."""
        out: dict[str, list[float]] = {}
        with server_calls(self.config, "reading the stored vectors"):
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
        for group, embed in (
            (others, embedder.embed_documents),
            (questions, questions_embedding(embedder)),
        ):
            self._add(collection, group, self._checked(embed), self.config)

    def _checked(self, embed: Any) -> Any:
        """`embed`, refusing vectors of another dimension than the collection's."""
        if self._target is None:
            return embed
        spec, dimension = self._target

        def checked(texts: list[str]) -> list[list[float]]:
            vectors = embed(texts)
            for vector in vectors:
                if len(vector) != dimension:
                    raise EmbedderMismatchError(
                        f"embedder {spec!r} now gives {len(vector)}-dimensional vectors, "
                        f"but the index in {self.dir} holds {dimension}-dimensional ones",
                        built_with=spec,
                        configured=spec,
                    )
            return vectors

        return checked

    @staticmethod
    def _add(collection: Any, records: list[Record], embed: Any, config: KnowledgeConfig) -> None:
        # Chroma keeps vectors and metadata only: the texts are in our records file,
        # and Chroma's full-text index of documents cost more than all the rest of
        # an ingest with shipped vectors. Vectors go in large upserts (one HNSW
        # update each); the embedder gets its own, smaller batches.
        for start in range(0, len(records), _UPSERT_BATCH):
            group = records[start : start + _UPSERT_BATCH]
            vectors: list[list[float]] = []
            for first in range(0, len(group), _EMBED_BATCH):
                vectors.extend(
                    embed([r.embedding_text() for r in group[first : first + _EMBED_BATCH]])
                )
            with server_calls(config, "storing vectors"):
                collection.upsert(
                    ids=[r.id for r in group],
                    embeddings=vectors,
                    metadatas=[
                        {"kind": r.kind, "language": r.language, "source": r.source} for r in group
                    ],
                )

    def remove(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        with server_calls(self.config, "removing vectors"):
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
        """Every indexed record; an index whose records are gone or unreadable is damaged,
        never searched as if it were empty."""
        path = self.dir / "records.jsonl"
        if not self.exists():
            return []
        state = self.state()
        if not path.exists():
            raise IndexDamagedError(f"{path} is missing")
        try:
            with path.open(encoding="utf-8") as handle:
                records = [Record.from_json(line) for line in handle if line.strip()]
        except (OSError, ValueError, TypeError) as exc:
            raise IndexDamagedError(f"{path} is damaged ({first_line(exc)})") from exc
        if not records and (state.passages or state.cards):
            raise IndexDamagedError(f"{path} is empty")
        if state.records and len(records) != state.records:
            # A file cut at a line boundary parses cleanly: only the count tells.
            raise IndexDamagedError(
                f"{path} holds {len(records)} records, not the {state.records} the index wrote"
            )
        return records

    def prototypes(self) -> Prototypes:
        """The cards' prototypes (none in an index written before they existed)."""
        from knowledge.search.prototypes import Prototypes

        if not self.prototypes_file.exists():
            return Prototypes.empty()
        try:
            return Prototypes.load(self.prototypes_file)
        except Exception as exc:  # noqa: BLE001 - a damaged .npz fails in many ways
            raise IndexDamagedError(
                f"{self.prototypes_file} is damaged ({first_line(exc)})"
            ) from exc

    def lexical(self, size: int) -> LexicalIndex:
        try:
            return LexicalIndex.load(self.dir / "bm25", size)
        except Exception as exc:  # noqa: BLE001 - a damaged bm25s folder fails in many ways
            raise IndexDamagedError(
                f"the lexical index in {self.dir / 'bm25'} is missing or damaged ({first_line(exc)})"
            ) from exc

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
