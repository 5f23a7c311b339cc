"""The knowledge base as the advisor uses it: search, the cards and their passages, and
what the user can run about the knowledge base's errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING

from knowledge.cards import Card, load_cards
from knowledge.errors import (
    EmbedderMismatchError,
    IndexDamagedError,
    IndexMissingError,
    VectorStoreUnavailableError,
)
from knowledge.ingest.sources import bundled_source_names
from knowledge.search.index import CARD, Record
from knowledge.search.retrieval import Filters, Hit, HybridRetriever, Retrieval

if TYPE_CHECKING:
    # The ingest pipeline (LangChain's splitters, the document loaders) loads only
    # when something is ingested, not for every search.
    pass

log = logging.getLogger(__name__)


REBUILD = "run `advisor ingest --rebuild` to rebuild the index"


@contextmanager
def what_to_do() -> Iterator[None]:
    """Add to the knowledge base's errors what the user can run about them."""
    try:
        yield
    except IndexDamagedError as exc:
        raise IndexDamagedError(f"{exc}; {REBUILD}") from exc
    except IndexMissingError as exc:
        raise IndexMissingError(f"{exc}: run `advisor ingest` first") from exc
    except VectorStoreUnavailableError as exc:
        raise VectorStoreUnavailableError(
            f"{exc}; start the server, or correct ADVISOR_CHROMA_URL (unset it to use the "
            "index in ADVISOR_HOME)",
            exc.url,
        ) from exc
    except EmbedderMismatchError as exc:
        wanted, built = exc.configured, exc.built_with
        also = f", or set ADVISOR_EMBEDDER={built}" if built and built != wanted else ""
        raise EmbedderMismatchError(
            f"{exc}; rebuild it with `ADVISOR_EMBEDDER={wanted} advisor ingest --rebuild`{also}",
            built_with=built,
            configured=wanted,
        ) from exc


class KnowledgeBase:
    """Search plus the cards and their anchored passages, for the composer."""

    def __init__(self, retriever: HybridRetriever, cards: Sequence[Card] | None = None) -> None:
        self.retriever = retriever
        self._cards = {c.id: c for c in (cards if cards is not None else load_cards())}

    @cached_property
    def _card_passages(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for record in self.retriever.records:
            if record.kind == CARD and record.card_id and record.card_id not in out:
                out[record.card_id] = record.passages
        return out

    def search(self, question: str, k: int = 5, filters: Filters | None = None) -> list[Hit]:
        with what_to_do():
            return self.retriever.search(question, k, filters)

    def retrieve(self, question: str, k: int = 5, filters: Filters | None = None) -> Retrieval:
        with what_to_do():
            return self.retriever.retrieve(question, k, filters)

    @cached_property
    def _bundled_sources(self) -> frozenset[str]:
        return frozenset(bundled_source_names())

    def is_user_document(self, hit: Hit) -> bool:
        """A passage of a document the user ingested (it has no cards of its own)."""
        return hit.passage.source not in self._bundled_sources and not hit.passage.cards

    def family(self, card: Card) -> str:
        """The passage a card retells first: cards of one family say one thing."""
        passages = self.card_passages(card.id)
        return passages[0].id if passages else card.id

    def card(self, card_id: str) -> Card:
        return self._cards[card_id]

    def all_cards(self) -> Sequence[Card]:
        return list(self._cards.values())

    def cards_by_id(self) -> Mapping[str, Card]:
        return MappingProxyType(self._cards)

    def card_passages(self, card_id: str) -> Sequence[Record]:
        by_id = self.retriever.by_id
        return [by_id[p] for p in self._card_passages.get(card_id, ()) if p in by_id]
