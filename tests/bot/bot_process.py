"""`python -m tests.bot.bot_process`: the real bot in a process of its own, for signal tests.

Like `advisor bot` (`bot.app.run`: token check, polling, signal handling), but
the advisor is built from the test index (fake embedder, ADVISOR_TEST_INDEX)
and the user store at ADVISOR_TEST_DB, so no model is loaded.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from advisor.conversation import Conversation
from advisor.knowledge_service import KnowledgeBase
from advisor.service import Advisor
from advisor.users import UserStore
from bot.app import BotConfig, run
from knowledge.config import KnowledgeConfig
from knowledge.index import KnowledgeIndex
from knowledge.retrieval import HybridRetriever
from tests.conftest import FakeEmbedder


@contextmanager
def services() -> Iterator[Conversation]:
    index = KnowledgeIndex(KnowledgeConfig(index_dir=Path(os.environ["ADVISOR_TEST_INDEX"])))
    knowledge = KnowledgeBase(HybridRetriever(index, FakeEmbedder()))
    with UserStore(os.environ["ADVISOR_TEST_DB"]) as users:
        yield Conversation(Advisor(knowledge), users, Path(os.environ["ADVISOR_TEST_CHARTS"]))
    logging.getLogger(__name__).info("services closed")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    run(BotConfig.from_env(), services)
