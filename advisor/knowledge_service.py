"""Building the knowledge objects from settings: the one place the advisor wires them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from advisor.config import Settings
from knowledge.embedders import make_embedder
from knowledge.index import KnowledgeIndex
from knowledge.pipeline import IngestReport, ingest
from knowledge.retrieval import HybridRetriever


def run_ingest(
    settings: Settings,
    paths: Sequence[Path] = (),
    *,
    rebuild: bool = False,
    forget: Sequence[Path] = (),
) -> IngestReport:
    config = settings.knowledge()
    return ingest(config, make_embedder(config.embedder), paths, rebuild=rebuild, forget=forget)


def open_retriever(settings: Settings) -> HybridRetriever:
    config = settings.knowledge()
    return HybridRetriever(KnowledgeIndex(config), make_embedder(config.embedder))
