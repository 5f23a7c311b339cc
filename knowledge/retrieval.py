"""Hybrid retrieval: dense + BM25, cards mapped onto their passages, fused by rank.

Four ranked lists are fused by reciprocal rank (RRF): dense and lexical, each
over source passages and over card texts. A card hit stands for the passages
its anchors locate (multi-representation indexing): the answer is always an
original passage, with the card that led to it named. The question is
expanded with the glossary's terms in the other languages, so an English
question also matches Korean and Chinese words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge.embedders import Embedder
from knowledge.glossary import Glossary
from knowledge.index import CARD, KnowledgeIndex, Record
from knowledge.language import base_language, detect_language
from knowledge.textnorm import match_key

RRF_K = 10
CANDIDATES = 40
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
LIST_WEIGHTS: ListWeights = {
    "dense": (0.5, 2.0),
    "dense_expanded": (0.5, 2.0),
    "lexical": (1.5, 2.0),
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


class HybridRetriever:
    """Search over one index; records and BM25 are loaded once, at construction."""

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
        self._is_card = np.array([r.kind == CARD for r in self.records], dtype=bool)
        self._collection = index.collection()

    def _dense(self, query: str, n: int) -> list[str]:
        if not self.records:
            return []
        result = self._collection.query(
            query_embeddings=[self.embedder.embed_query(query)],
            n_results=min(n, len(self.records)),
            include=[],
        )
        return [rid for rid in result["ids"][0] if rid in self.by_id]

    def _lexical(self, query: str, n: int) -> list[str]:
        return [self.records[i].id for i, _ in self.lexical.search(query, n)]

    def _to_passages(
        self, ranked: Sequence[str], filters: Filters
    ) -> tuple[list[str], list[str], dict[str, str]]:
        """Split one ranked list into passage ids reached directly and through cards.

        Cards are taken round-robin: the first passage of every matching card
        before the second passage of any, so a card anchored in four places
        cannot fill the answer on its own.
        """
        direct: list[str] = []
        card_passages: list[tuple[str, tuple[str, ...]]] = []
        seen_cards: set[str] = set()
        for rid in ranked:
            record = self.by_id[rid]
            if record.kind == CARD:
                if record.card_id not in seen_cards:
                    seen_cards.add(record.card_id or "")
                    card_passages.append((record.card_id or "", record.passages))
            elif filters.admits(record) and rid not in direct:
                direct.append(rid)
        via_cards: list[str] = []
        card_of: dict[str, str] = {}
        depth = max((len(p) for _, p in card_passages), default=0)
        for level in range(depth):
            for card_id, passages in card_passages:
                if level < len(passages):
                    pid = passages[level]
                    passage = self.by_id.get(pid)
                    if passage and filters.admits(passage) and pid not in card_of:
                        via_cards.append(pid)
                        card_of[pid] = card_id
        return direct, via_cards, card_of

    def search(self, query: str, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        filters = filters or Filters()
        pool = self.candidates * (4 if filters else 1)
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
        dense_expanded = " ".join([query, *dense_terms])
        searches = {
            "dense": lambda: self._dense(query, pool),
            "dense_expanded": lambda: self._dense(dense_expanded, pool) if dense_terms else [],
            "lexical": lambda: self._lexical(expanded, pool),
        }
        scores: dict[str, float] = {}
        card_of: dict[str, str] = {}
        for name, (direct_weight, card_weight) in self.weights.items():
            if not (direct_weight or card_weight):
                continue
            direct, via_cards, cards = self._to_passages(searches[name](), filters)
            for weight, ranked in ((direct_weight, direct), (card_weight, via_cards)):
                for rank, pid in enumerate(ranked):
                    scores[pid] = scores.get(pid, 0.0) + weight / (self.rrf_k + rank + 1)
            for pid, card in cards.items():
                card_of.setdefault(pid, card)
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
        return hits
