"""Hybrid retrieval: dense + BM25, cards mapped onto their passages, fused by rank.

Four ranked lists are fused by reciprocal rank (RRF): dense and lexical, each
over source passages and over card texts. A card hit stands for the passages
its anchors locate (multi-representation indexing): the answer is always an
original passage, with the card that led to it named. The question is
expanded with the glossary's terms in the other languages, so an English
question also matches Korean and Chinese words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from knowledge.language import base_language, detect_language
from knowledge.search.chroma_store import server_calls
from knowledge.search.embedders import Embedder
from knowledge.search.glossary import Glossary
from knowledge.search.index import CARD, KnowledgeIndex, Record, questions_embedding
from knowledge.search.lexical import tokenize
from knowledge.search.vector_snapshot import SNAPSHOT_FILE, VectorSnapshot, store_holds
from knowledge.textnorm import match_key

RRF_K = 10
CANDIDATES = 60
DENSE_EXPANSION_TERMS = 8
# A long question carries enough words of its own; the expanded text is kept
# under this many characters so its embedding stays cheap.
DENSE_EXPANSION_CHARS = 160
# Weight of each ranked list, as (passages reached directly, passages reached
# through cards). Three searches: dense on the question, dense on the question
# plus its glossary expansion, BM25 on the expanded question. The small
# embedder is weak across languages, so BM25 over the glossary's translations
# counts more; cards are curated, trilingual and anchored, so a card match
# is stronger evidence than a raw passage match.
ListWeights = dict[str, tuple[float, float]]
# How much a passage found directly counts for the cards anchored to it. Kept
# low: a card that retells a long section is anchored to many passages, and a
# hit on any of them should not outweigh what the question says about the card.
PASSAGE_TO_CARD = 0.25
# Cards are ranked by three kinds of evidence, fused by reciprocal rank: the
# question's closeness to each card's prototype (the centroid of all its
# records), and the card's records among the dense and the lexical results.
# A card may count up to RECORDS_PER_CARD of its records in one list, so a card
# that many of a rep's phrasings reach beats one that a single example reaches.
PROTOTYPE_WEIGHT = 3.0
RECORD_WEIGHTS = {"dense": 0.25, "dense_expanded": 0.25, "lexical": 1.0}
RECORDS_PER_CARD = 4
# A long question is also read clause by clause: a rep's story has one clause
# that says what is wrong, and the rest dilutes it.
MAX_CLAUSES = 6
MIN_CLAUSE_CHARS = 6
_CLAUSE_BREAK = re.compile(r"(?<=[.!?。！？])\s*|[\n,，、;；:：]|\s[-–—]\s|—|\.\.+|ㅠ+|ㅋ+")
# A question that holds nearly all of a passage's tokens quotes it (a user searching
# their own document with one of its sentences): that passage comes first.
COVERAGE_DEPTH = 5
QUOTE_MIN_TOKENS = 8
QUOTE_SHARE = 0.9
QUOTED_BONUS = 1.0
DOCUMENT_SHARE = 0.5
DOCUMENT_BONUS = 0.6
LIST_WEIGHTS: ListWeights = {
    "dense": (0.5, 2.0),
    "dense_expanded": (0.5, 2.0),
    "lexical": (1.5, 2.0),
    # The cards ranked by their prototypes lead to their passages too.
    "prototype": (0.0, 2.0),
}


@dataclass(frozen=True)
class Filters:
    """Optional restrictions; `language` may be `zh` for both Chinese scripts."""

    source: str | None = None
    language: str | None = None
    segment: str | None = None

    def admits(self, record: Record) -> bool:
        if self.source and self.source not in record.source:
            return False
        if self.language and not record.language.startswith(self.language):
            return False
        return not (self.segment and self.segment not in record.segments)

    def __bool__(self) -> bool:
        return bool(self.source or self.language or self.segment)


@dataclass(frozen=True)
class Hit:
    """A source passage found for a question."""

    passage: Record
    score: float
    card: str | None

    @property
    def original_text(self) -> str:
        """The passage in its source's wording."""
        return self.passage.original or self.passage.text

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.original_text,
            "source": self.passage.source,
            "language": self.passage.language,
            "score": round(self.score, 6),
            "heading": self.passage.heading,
        }
        if self.passage.original:
            data["readable"] = self.passage.text
        if self.card:
            data["card"] = self.card
        return data


@dataclass(frozen=True)
class CardHit:
    """A card that the question's wording led to, with the fused score of its evidence."""

    card_id: str
    score: float
    similarity: float = 0.0


@dataclass(frozen=True)
class Evidence:
    """How well the index answers a question: the inputs of a calibrated "I don't know"."""

    similarity: float  # best cosine similarity of the question to any record
    card_similarity: float  # best cosine similarity to a card's prototype
    coverage: float  # share of the question's tokens found in the best lexical match
    agreement: bool  # dense and lexical search put a common card in their top 3
    domain_terms: int  # glossary entries the question uses
    outside_similarity: float = 0.0  # best similarity to a category of out-of-scope questions
    document_coverage: float = 0.0  # share of the question's words in a passage no card retells

    @property
    def margin(self) -> float:
        """How much closer the question is to the guidance than to what it does not cover."""
        return self.card_similarity - self.outside_similarity

    def as_json(self) -> dict[str, Any]:
        return {
            "similarity": round(self.similarity, 4),
            "card_similarity": round(self.card_similarity, 4),
            "outside_similarity": round(self.outside_similarity, 4),
            "margin": round(self.margin, 4),
            "document_coverage": round(self.document_coverage, 4),
            "coverage": round(self.coverage, 4),
            "agreement": self.agreement,
            "domain_terms": self.domain_terms,
        }


@dataclass(frozen=True)
class Retrieval:
    """Passages for the reader, cards for the planner, evidence for the refusal."""

    hits: list[Hit]
    cards: list[CardHit]
    evidence: Evidence
    # How close each passage some card retells is to the question (cosine; the best of
    # the question and its clauses): which of a card's passages to cite for this question.
    anchored_similarity: dict[str, float] = field(default_factory=dict)


Ranked = list[tuple[str, float]]  # record ids, best first, with the list's own score


def clauses(question: str) -> list[str]:
    """The question's clauses worth reading on their own (none when it has only one)."""
    parts = [p.strip() for p in _CLAUSE_BREAK.split(question) if p and p.strip()]
    parts = [p for p in parts if len(p) >= MIN_CLAUSE_CHARS]
    return parts[:MAX_CLAUSES] if len(parts) > 1 else []


class HybridRetriever:
    """Search over one index; records, BM25 and prototypes are loaded once, at construction."""

    def __init__(
        self,
        index: KnowledgeIndex,
        embedder: Embedder,
        glossary: Glossary | None = None,
        *,
        candidates: int = CANDIDATES,
        rrf_k: int = RRF_K,
        weights: ListWeights | None = None,
    ) -> None:
        index.check_embedder(embedder.spec)
        self.index = index
        self.embedder = embedder
        self.glossary = glossary or Glossary.load()
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.weights = dict(weights or LIST_WEIGHTS)
        self.records = index.records()
        self.by_id = {r.id: r for r in self.records}
        self.lexical = index.lexical(len(self.records))
        self._chroma: Any = None
        self.snapshot = self._local_snapshot()
        if self.snapshot is None:
            self._collection()  # a store that cannot be opened is reported now, not mid-search
        self.prototypes = index.prototypes()
        self._card_passages = {
            r.card_id: r.passages for r in self.records if r.kind == CARD and r.card_id
        }
        self._vectors: dict[str, list[float]] = {}
        self._passage_mask = np.array([r.kind != CARD for r in self.records], dtype=np.float32)

    def _vector(self, text: str) -> list[float]:
        """The query embedding of a text, computed once per search."""
        if text not in self._vectors:
            self._vectors[text] = self.embedder.embed_query(text)
        return self._vectors[text]

    def _embed_all(self, texts: Sequence[str]) -> None:
        """Embed every text one search needs in one call: the model's fixed cost per
        call is paid once (the vectors are the same as one by one)."""
        wanted = [t for t in dict.fromkeys(texts) if t and t not in self._vectors]
        if wanted:
            vectors = questions_embedding(self.embedder)(wanted)
            self._vectors.update(zip(wanted, vectors, strict=True))

    @cached_property
    def _anchored(self) -> tuple[tuple[str, ...], np.ndarray]:
        """The passages cards retell and their unit vectors, read once: from the snapshot,
        or from the store when there is none (a shared server)."""
        ids = tuple(
            dict.fromkeys(
                pid
                for passages in self._card_passages.values()
                for pid in passages
                if pid in self.by_id
            )
        )
        if self.snapshot is not None:
            row = {rid: i for i, rid in enumerate(self.snapshot.ids)}
            kept = tuple(i for i in ids if i in row)
            return kept, self.snapshot.matrix[[row[i] for i in kept]]
        stored = self.index.vectors(list(ids)) if ids else {}
        snapshot = VectorSnapshot.of(stored, self.embedder.spec)
        return snapshot.ids, snapshot.matrix

    def _anchored_similarity(self, texts: Sequence[str]) -> dict[str, float]:
        ids, matrix = self._anchored
        if not ids:
            return {}
        self._embed_all(texts)  # the clauses are embedded already where there are prototypes
        vectors = [self._vectors[t] for t in texts if t in self._vectors]
        if not ids or not vectors:
            return {}
        queries = np.asarray(vectors, dtype=np.float32)
        queries /= np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
        best = (matrix @ queries.T).max(axis=1)
        return dict(zip(ids, (float(v) for v in best), strict=True))

    def _local_snapshot(self) -> VectorSnapshot | None:
        """The local index's vector snapshot, when it holds exactly these records."""
        if self.index.config.chroma_url or not self.records:
            return None
        if not store_holds(
            self.index.dir / "chroma" / "chroma.sqlite3", self.index.collection_name
        ):
            return None  # Chroma is opened, and says what is wrong with its store
        return VectorSnapshot.load(
            self.index.dir / SNAPSHOT_FILE,
            self.index.state().embedder,
            (r.id for r in self.records),
        )

    def _collection(self) -> Any:
        if self._chroma is None:
            self._chroma = self.index.collection()
        return self._chroma

    def _dense(self, query: str, n: int) -> Ranked:
        if not self.records:
            return []
        if self.snapshot is not None:
            return self.snapshot.search(self._vector(query), n)
        vector = self._vector(query)
        with server_calls(self.index.config, "searching"):
            result = self._collection().query(
                query_embeddings=[vector],
                n_results=min(n, len(self.records)),
                include=["distances"],
            )
        # The collection's space is cosine: distance = 1 - similarity.
        return [
            (rid, 1.0 - float(distance))
            for rid, distance in zip(result["ids"][0], result["distances"][0], strict=True)
            if rid in self.by_id
        ]

    def _lexical(self, query: str, n: int) -> Ranked:
        return [(self.records[i].id, score) for i, score in self.lexical.search(query, n)]

    def _prototype_ranking(self, query: str) -> tuple[list[str], float, float]:
        """Cards by closeness of the question (and the mean of its clauses) to their
        prototypes; the best similarity of the whole question to a card and to the
        out-of-scope questions."""
        if not self.prototypes.card_ids:
            return [], 0.0, 0.0
        whole = np.asarray(self._vector(query), dtype=np.float32)
        scores = self.prototypes.card_scores(whole[None])[0]
        best = float(scores.max())
        parts = clauses(query)
        if parts:
            self._embed_all(parts)
            vectors = [self._vector(part) for part in parts]
            scores = scores + self.prototypes.card_scores(np.asarray(vectors)).mean(axis=0)
        order = [self.prototypes.card_ids[i] for i in np.argsort(-scores)]
        return order, best, self.prototypes.outside_similarity(whole)

    def _to_passages(
        self, ranked: Sequence[str], filters: Filters
    ) -> tuple[list[str], list[str], dict[str, str], list[str]]:
        """Split one ranked list into passage ids reached directly and through cards,
        and the cards in the order the list reaches them."""
        direct: list[str] = []
        card_order: list[str] = []
        for rid in ranked:
            record = self.by_id[rid]
            if record.kind == CARD:
                if record.card_id and record.card_id not in card_order:
                    card_order.append(record.card_id)
            elif filters.admits(record) and rid not in direct:
                direct.append(rid)
        via_cards, card_of = self._card_passage_list(card_order, filters)
        return direct, via_cards, card_of, card_order

    def _card_passage_list(
        self, card_order: Sequence[str], filters: Filters
    ) -> tuple[list[str], dict[str, str]]:
        """The passages of ranked cards, taken round-robin: the first passage of every
        card before the second passage of any, so a card anchored in four places
        cannot fill the answer on its own."""
        via_cards: list[str] = []
        card_of: dict[str, str] = {}
        anchored = [(c, self._card_passages.get(c, ())) for c in card_order]
        depth = max((len(p) for _, p in anchored), default=0)
        for level in range(depth):
            for card_id, passages in anchored:
                if level < len(passages):
                    pid = passages[level]
                    passage = self.by_id.get(pid)
                    if passage and filters.admits(passage) and pid not in card_of:
                        via_cards.append(pid)
                        card_of[pid] = card_id
        return via_cards, card_of

    def _queries(self, query: str) -> tuple[str, str]:
        """(the dense query with a bounded glossary expansion, the lexical query with all of it)."""
        expanded = " ".join([query, *self.glossary.expand(query)])
        # The embedder's cost grows with the text, so the dense query gets only the
        # first two terms of each other language per matched entry; BM25 takes them all.
        own = base_language(detect_language(query))
        dense_terms: list[str] = []
        budget = DENSE_EXPANSION_CHARS - len(query)
        for term in self.glossary.expand(query, per_language=2, skip=own)[:DENSE_EXPANSION_TERMS]:
            if len(term) + 1 > budget:
                break
            dense_terms.append(term)
            budget -= len(term) + 1
        dense_expanded = " ".join([query, *dense_terms]) if dense_terms else ""
        return dense_expanded, expanded

    def search(self, query: str, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        return self.retrieve(query, k, filters).hits

    def retrieve(self, query: str, k: int = 5, filters: Filters | None = None) -> Retrieval:
        """The top k passages, every card the evidence reaches (best first), and the evidence."""
        self._vectors = {}
        filters = filters or Filters()
        pool = self.candidates * (4 if filters else 1)
        dense_expanded, expanded = self._queries(query)
        if self.records:
            self._embed_all(
                [
                    query,
                    dense_expanded if self._wanted("dense_expanded") else "",
                    *(clauses(query) if self.prototypes.card_ids else []),
                ]
            )
        lists: dict[str, Ranked] = {
            "dense": self._dense(query, pool) if self._wanted("dense") else [],
            "dense_expanded": (
                self._dense(dense_expanded, pool)
                if dense_expanded and self._wanted("dense_expanded")
                else []
            ),
            "lexical": self._lexical(expanded, pool) if self._wanted("lexical") else [],
        }
        prototype_order, card_similarity, outside = self._prototype_ranking(query)
        scores: dict[str, float] = {}
        card_of: dict[str, str] = {}
        card_scores: dict[str, float] = {}
        card_tops: dict[str, list[str]] = {}

        def credit(card_id: str, amount: float) -> None:
            card_scores[card_id] = card_scores.get(card_id, 0.0) + amount

        for name, (direct_weight, card_weight) in self.weights.items():
            ranked = [rid for rid, _ in lists.get(name, [])]
            if name == "prototype":
                direct: list[str] = []
                via_cards, cards = self._card_passage_list(prototype_order, filters)
                card_order = prototype_order
            else:
                direct, via_cards, cards, card_order = self._to_passages(ranked, filters)
            for rank, pid in enumerate(direct):
                # A passage no card retells (a user's own document) is reached only
                # directly: its direct evidence counts as much as a card's.
                weight = direct_weight if self.by_id[pid].cards else max(direct_weight, card_weight)
                scores[pid] = scores.get(pid, 0.0) + weight / (self.rrf_k + rank + 1)
            for rank, pid in enumerate(via_cards):
                scores[pid] = scores.get(pid, 0.0) + card_weight / (self.rrf_k + rank + 1)
            for pid, card in cards.items():
                card_of.setdefault(pid, card)
            card_tops[name] = card_order[:3]
            # Cards: each counts up to RECORDS_PER_CARD of its records in this list,
            # and the passages it is anchored to that the list finds directly.
            seen: dict[str, int] = {}
            for rank, rid in enumerate(ranked):
                card_id = self.by_id[rid].card_id
                if card_id and seen.get(card_id, 0) < RECORDS_PER_CARD:
                    seen[card_id] = seen.get(card_id, 0) + 1
                    credit(card_id, RECORD_WEIGHTS.get(name, 0.0) / (self.rrf_k + rank + 1))
            for rank, pid in enumerate(direct):
                for card_id in self.by_id[pid].cards:
                    credit(card_id, PASSAGE_TO_CARD * direct_weight / (self.rrf_k + rank + 1))
        for rank, card_id in enumerate(prototype_order):
            credit(card_id, PROTOTYPE_WEIGHT / (self.rrf_k + rank + 1))
        coverage = self._coverage(query, lists["lexical"])
        document_coverage = 0.0
        for pid, share in self._shares(query, self._passages_lexical(query)):
            if not filters.admits(self.by_id[pid]):
                continue
            if share >= QUOTE_SHARE and len(set(tokenize(query))) >= QUOTE_MIN_TOKENS:
                # The question quotes this passage nearly word for word: it is what
                # was asked for, whatever the cards say.
                scores[pid] = scores.get(pid, 0.0) + QUOTED_BONUS
            elif not self.by_id[pid].cards and share >= DOCUMENT_SHARE:
                # Most of the question's words are in a passage no card retells (the
                # user's own document): it answers in the user's own terms.
                scores[pid] = scores.get(pid, 0.0) + DOCUMENT_BONUS * share
            if not self.by_id[pid].cards:
                document_coverage = max(document_coverage, share)
        hits: list[Hit] = []
        seen_texts: set[str] = set()
        for pid in sorted(scores, key=lambda p: -scores[p]):
            passage = self.by_id[pid]
            key = match_key(passage.text)
            if key in seen_texts:
                continue
            seen_texts.add(key)
            hits.append(Hit(passage, scores[pid], card_of.get(pid)))
            if len(hits) == k:
                break
        similarity = max(
            (sim for n in ("dense", "dense_expanded") for _, sim in lists[n]), default=0.0
        )
        dense_top = set(card_tops.get("dense", [])) | set(card_tops.get("dense_expanded", []))
        evidence = Evidence(
            similarity=similarity,
            card_similarity=card_similarity or similarity,
            coverage=coverage,
            agreement=bool(dense_top & set(card_tops.get("lexical", []))),
            domain_terms=len(self.glossary.matches(query)),
            outside_similarity=outside,
            document_coverage=document_coverage,
        )
        ranked_cards = [
            CardHit(card_id, score, 0.0)
            for card_id, score in sorted(card_scores.items(), key=lambda item: -item[1])
        ]
        return Retrieval(
            hits=hits,
            cards=ranked_cards,
            evidence=evidence,
            anchored_similarity=self._anchored_similarity(
                [query, *clauses(query)] if self.records else []
            ),
        )

    def _passages_lexical(self, query: str) -> Ranked:
        """BM25 over the passages alone, on the question's own words: a question that
        quotes a passage finds it whatever the cards and the glossary add."""
        if not self.records:
            return []
        found = self.lexical.search(query, COVERAGE_DEPTH, self._passage_mask)
        return [(self.records[i].id, score) for i, score in found]

    def _wanted(self, name: str) -> bool:
        return any(self.weights.get(name, (0.0, 0.0)))

    def _shares(self, query: str, lexical: Ranked) -> list[tuple[str, float]]:
        """Each record of a ranked list with the share of the question's tokens it holds."""
        tokens = set(tokenize(query))
        if not tokens:
            return []
        return [
            (rid, len(tokens & set(tokenize(self.by_id[rid].lexical_text()))) / len(tokens))
            for rid, _ in lexical
        ]

    def _coverage(self, query: str, lexical: Ranked) -> float:
        """The best share of the question's tokens that one of the top lexical matches holds."""
        return max(
            (share for _, share in self._shares(query, lexical[:COVERAGE_DEPTH])), default=0.0
        )
