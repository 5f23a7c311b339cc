"""Settings read once from the environment at the edges (CLI, bot, ingest.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from advisor.accounts.segment_config import SegmentConfig
from knowledge.config import DEFAULT_EMBEDDER, KnowledgeConfig


@dataclass(frozen=True)
class Settings:
    """Everything the advisor needs from its environment.

    `home` holds all state: the index, the SQLite database, logs.
    """

    home: Path
    embedder: str = DEFAULT_EMBEDDER
    database_url: str | None = None
    chroma_url: str | None = None
    llm: str | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 30.0
    segments: SegmentConfig = field(default_factory=SegmentConfig)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        home = Path(env.get("ADVISOR_HOME") or Path.home() / ".advisor").expanduser()
        return cls(
            home=home,
            embedder=env.get("ADVISOR_EMBEDDER") or DEFAULT_EMBEDDER,
            database_url=env.get("ADVISOR_DATABASE_URL") or None,
            chroma_url=env.get("ADVISOR_CHROMA_URL") or None,
            llm=env.get("ADVISOR_LLM") or None,
            llm_base_url=env.get("ADVISOR_LLM_BASE_URL") or None,
            llm_api_key=env.get("ADVISOR_LLM_API_KEY") or None,
            llm_timeout=float(env.get("ADVISOR_LLM_TIMEOUT") or 30.0),
            segments=SegmentConfig.from_env(env),
        )

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def db_url(self) -> str:
        """The accounts store: PostgreSQL or another server by URL, else SQLite in home."""
        return self.database_url or f"sqlite:///{self.home / 'advisor.db'}"

    def knowledge(self) -> KnowledgeConfig:
        return KnowledgeConfig(
            index_dir=self.index_dir, embedder=self.embedder, chroma_url=self.chroma_url
        )
