"""Ingest: sources and cards → passages and card records → the index.

Bundled sources come with their manifest; the user's own files are cleaned
with the shared rules only. Paths a user ingested once are remembered, so a
later `advisor ingest` notices when such a file changed or was deleted and
replaces or removes exactly its passages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from knowledge.cards import CARD_LANGUAGES, Card, load_cards
from knowledge.config import KnowledgeConfig
from knowledge.errors import DocumentNotFoundError, IndexDamagedError, UnreadableDocumentError
from knowledge.ingest.chunking import chunk_text, heading_text
from knowledge.ingest.cleaning import (
    CleaningRules,
    clean_text,
    normalise_wording,
    rules_from_mapping,
)
from knowledge.ingest.loaders import expand_paths, read_document
from knowledge.ingest.sources import SOURCES_DIR
from knowledge.ingest.stored_vectors import with_bundled_vectors
from knowledge.language import detect_language
from knowledge.progress import Progress, Step, silent, tracked
from knowledge.search.embedders import Embedder
from knowledge.search.index import (
    CARD,
    EXAMPLE,
    PASSAGE,
    WHEN,
    IndexState,
    KnowledgeIndex,
    Record,
    content_id,
    questions_embedding,
)
from knowledge.search.prototypes import (
    OUT_OF_SCOPE_FILE,
    Prototypes,
    boundary_key,
    out_of_scope_questions,
    outside_prototypes,
)
from knowledge.search.vector_snapshot import SNAPSHOT_FILE, VectorSnapshot
from knowledge.textnorm import match_key
from knowledge.yamlfile import load_yaml


@dataclass(frozen=True)
class Document:
    """A document to index: `name` is how passages cite it."""

    name: str
    text: str
    rules: CleaningRules = CleaningRules()


@dataclass
class IngestReport:
    documents: int = 0
    passages: int = 0
    cards: int = 0
    added: int = 0
    removed: int = 0
    skipped: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, int]:
        return {
            "documents": self.documents,
            "passages": self.passages,
            "cards": self.cards,
            "added": self.added,
            "removed": self.removed,
        }


def bundled_documents(sources_dir: Path = SOURCES_DIR) -> list[Document]:
    manifest = load_yaml((sources_dir / "manifest.yaml").read_text("utf-8"))
    return [
        Document(
            entry["file"],
            read_document(sources_dir / entry["file"]),
            rules_from_mapping(entry),
        )
        for entry in manifest["sources"]
    ]


def bundled_source_texts(sources_dir: Path = SOURCES_DIR) -> dict[str, str]:
    return {doc.name: doc.text for doc in bundled_documents(sources_dir)}


def passage_records(document: Document) -> list[Record]:
    """Clean and chunk one document; ids hash the document name and the text."""
    records = []
    for chunk in chunk_text(clean_text(document.text, document.rules)):
        readable = normalise_wording(chunk.text, document.rules)
        heading = normalise_wording(heading_text(chunk.heading_path), document.rules)
        records.append(
            Record(
                id=content_id(PASSAGE, document.name, chunk.text),
                kind=PASSAGE,
                text=readable,
                language=detect_language(readable),
                source=document.name,
                heading=heading,
                original=chunk.text if readable != chunk.text else None,
            )
        )
    return records


def _anchored(card: Card, passages: Sequence[Record]) -> list[str]:
    ids: list[str] = []
    for anchor in card.anchors:
        quote = match_key(anchor.quote)
        for passage in passages:
            if passage.source != anchor.source:
                continue
            texts = (passage.text, passage.original or "")
            if any(quote in match_key(t) for t in texts) and passage.id not in ids:
                ids.append(passage.id)
    return ids


def card_records(cards: Sequence[Card], passages: Sequence[Record]) -> list[Record]:
    """Records of each card in each language, pointing at the card's anchored passages:
    its whole text, its `when` and each example question (multi-representation
    indexing: a rep's question finds the card through whichever says it best)."""
    records = []
    for card in cards:
        anchored = tuple(_anchored(card, passages))
        for lang in CARD_LANGUAGES:
            facets = [("", card.text(lang))]
            if card.when and card.when.get(lang):
                facets.append((WHEN, card.when[lang]))
            facets += [(EXAMPLE, q) for q in card.examples.get(lang, ())]
            for facet, text in facets:
                parts = (
                    (CARD, card.id, lang, text) if not facet else (CARD, card.id, lang, facet, text)
                )
                records.append(
                    Record(
                        id=content_id(*parts),
                        kind=CARD,
                        text=text,
                        language=lang,
                        card_id=card.id,
                        passages=anchored,
                        segments=card.segments,
                        facet=facet,
                    )
                )
    return records


def _with_card_links(passages: list[Record], cards: list[Record]) -> list[Record]:
    """Give each passage the ids and segments of the cards anchored to it."""
    linked: dict[str, tuple[list[str], set[str]]] = {p.id: ([], set()) for p in passages}
    for card in cards:
        for pid in card.passages:
            ids, segments = linked[pid]
            if card.card_id and card.card_id not in ids:
                ids.append(card.card_id)
            segments.update(card.segments)
    out = []
    for p in passages:
        ids, segments = linked[p.id]
        out.append(replace(p, cards=tuple(ids), segments=tuple(sorted(segments))))
    return out


def _write_prototypes(
    index: KnowledgeIndex, cards: list[Record], embedder: Embedder, out_of_scope: Path | None
) -> None:
    """Card prototypes from the stored vectors; the out-of-scope ones are embedded again
    only when their questions or the embedder changed."""
    questions = out_of_scope_questions(out_of_scope) if out_of_scope else []
    key = boundary_key(questions, embedder.spec)
    try:
        previous: Prototypes | None = index.prototypes()
    except IndexDamagedError:
        previous = None  # made again below
    if previous is not None and previous.boundary == key:
        outside: tuple[Sequence[str], object] = (previous.outside_ids, previous.outside)
    else:
        outside = outside_prototypes(questions, questions_embedding(embedder))
    vectors = index.vectors([r.id for r in cards])
    prototypes = Prototypes.from_records(cards, vectors, outside, key)  # type: ignore[arg-type]
    index.dir.mkdir(parents=True, exist_ok=True)
    prototypes.save(index.prototypes_file)


def ingest(
    config: KnowledgeConfig,
    embedder: Embedder,
    paths: Sequence[Path] = (),
    *,
    rebuild: bool = False,
    forget: Sequence[Path] = (),
    cards_dir: Path | None = None,
    sources_dir: Path = SOURCES_DIR,
    out_of_scope: Path | None = OUT_OF_SCOPE_FILE,
    progress: Progress = silent,
) -> IngestReport:
    """Bring the index in line with the bundled knowledge and the user's files.

    A rebuild re-embeds everything and reads nothing of the old index but the
    remembered paths, so it also repairs a damaged one. `progress` is told of the
    documents read and the records embedded.
    """
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise DocumentNotFoundError(f"no such file or folder: {', '.join(missing)}")
    # The bundled knowledge's vectors ship with the package for the default model.
    embedder = with_bundled_vectors(embedder)
    index = KnowledgeIndex(config)
    report = IngestReport()
    with index.writing():
        previous = index.state() if index.exists() and not rebuild else None
        if previous:
            index.check_embedder(embedder.spec)
        if rebuild:
            index.reset_vectors()
        index.connect()  # before loading the model: a server that is down fails at once
        forgotten = {str(p.resolve()) for p in forget}
        remembered = [p for p in _remembered_paths(index, rebuild, report) if p not in forgotten]
        extra = list(dict.fromkeys([*remembered, *(str(p.resolve()) for p in paths)]))
        # Remembered before the long part: a killed ingest does not forget them.
        index.remember_paths(extra)
        index.use_embedder(embedder.spec, _dimension(embedder, previous))
        if previous:
            index.adopt_legacy_vectors(previous)

        documents = bundled_documents(sources_dir)
        # A remembered path that is gone is dropped, and with it its passages.
        kept_extra = [p for p in extra if Path(p).exists()]
        report.skipped += [
            f"{p}: no longer exists; its passages are removed" for p in extra if p not in kept_extra
        ]
        user_files = list(expand_paths(Path(p) for p in kept_extra))
        for path in tracked(user_files, progress("documents read", len(user_files))):
            try:
                documents.append(Document(str(path), read_document(path)))
            except UnreadableDocumentError as exc:
                report.skipped.append(str(exc))

        passages: list[Record] = []
        for document in documents:
            records = passage_records(document)
            if not records:
                report.skipped.append(f"{document.name}: no text left after cleaning")
                continue
            passages.extend(records)
            report.documents += 1
        cards = load_cards(cards_dir) if cards_dir else load_cards()
        card_recs = card_records(cards, passages)
        passages = _with_card_links(passages, card_recs)
        records = list({r.id: r for r in [*passages, *card_recs]}.values())

        existing = index.vector_ids()
        wanted = {r.id for r in records}
        new = list(records) if rebuild else [r for r in records if r.id not in existing]
        gone = index.stale_ids(existing, wanted)
        embedding = progress("records embedded", len(new))
        index.add(new, _Advancing(embedder, embedding))
        embedding.close()
        index.remove(gone)
        report.added, report.removed = len(new), len(gone)
        _write_prototypes(index, card_recs, embedder, out_of_scope)
        report.passages, report.cards = len(passages), len(cards)
        if not config.chroma_url:
            # Searches read this copy instead of starting Chroma (knowledge/search/vector_snapshot.py).
            snapshot = VectorSnapshot.of(index.vectors([r.id for r in records]), embedder.spec)
            snapshot.save(index.dir / SNAPSHOT_FILE)
        index.write(
            records,
            IndexState(
                embedder=embedder.spec,
                dimension=index.dimension,
                collection=index.collection_name,
                extra_paths=kept_extra,
                documents=report.documents,
                passages=report.passages,
                cards=report.cards,
                records=len(records),
            ),
        )
        index.remember_paths(kept_extra)
    return report


class _Advancing(Embedder):
    """An embedder that tells a progress step how many texts it has embedded."""

    def __init__(self, inner: Embedder, step: Step) -> None:
        self.inner, self.step, self.spec = inner, step, inner.spec

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self.inner.embed_documents(texts)
        self.step.advance(len(texts))
        return vectors

    def embed_questions(self, texts: list[str]) -> list[list[float]]:
        vectors = questions_embedding(self.inner)(texts)
        self.step.advance(len(texts))
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def _remembered_paths(index: KnowledgeIndex, rebuild: bool, report: IngestReport) -> list[str]:
    """The paths ingested before; a rebuild goes on without them when they are unreadable."""
    try:
        return index.remembered_paths()
    except IndexDamagedError as exc:
        if not rebuild:
            raise
        report.skipped.append(f"the paths ingested before are lost: {exc}; ingest them again")
        return []


def _dimension(embedder: Embedder, previous: IndexState | None) -> int:
    """The embedder's vector size: as recorded when it built the index, else measured."""
    if previous and previous.embedder == embedder.spec and previous.dimension:
        return previous.dimension
    return len(embedder.embed_query("dimension"))
