"""`python -m tests.fakes.bot_process`: the real bot in a process of its own, for signal tests
and for several replicas on one database.

Like `advisor bot` (`bot.app.run`: token check, polling or a webhook, signal
handling), but the advisor is built from the test index (fake embedder,
ADVISOR_TEST_INDEX) and the user store at ADVISOR_TEST_DB, so no model is loaded.
With ADVISOR_TEST_ACCOUNTS (an accounts store URL) it knows those accounts; with
ADVISOR_TEST_WEBHOOK_PORT it serves a webhook on 127.0.0.1 at that port instead of
polling.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path

from advisor.answering.knowledge import KnowledgeBase
from advisor.answering.service import Advisor
from advisor.chat.core import Conversation
from advisor.users.store import UserStore
from bot.app import BotConfig, run
from knowledge.config import KnowledgeConfig
from knowledge.search.index import KnowledgeIndex
from knowledge.search.retrieval import HybridRetriever
from tests.fakes.embedder import FakeEmbedder


@contextmanager
def services() -> Iterator[Conversation]:
    index = KnowledgeIndex(KnowledgeConfig(index_dir=Path(os.environ["ADVISOR_TEST_INDEX"])))
    knowledge = KnowledgeBase(HybridRetriever(index, FakeEmbedder()))
    with ExitStack() as stack:
        directory = None
        if os.environ.get("ADVISOR_TEST_ACCOUNTS"):
            from advisor.accounts.directory import PortfolioDirectory
            from advisor.accounts.store import AccountStore

            accounts = AccountStore(os.environ["ADVISOR_TEST_ACCOUNTS"])
            stack.callback(accounts.close)
            directory = PortfolioDirectory.load(accounts)
        users = stack.enter_context(UserStore(os.environ["ADVISOR_TEST_DB"]))
        yield Conversation(
            Advisor(knowledge, directory), users, Path(os.environ["ADVISOR_TEST_CHARTS"])
        )
    logging.getLogger(__name__).info("services closed")


def config() -> BotConfig:
    port = os.environ.get("ADVISOR_TEST_WEBHOOK_PORT")
    if not port:
        return BotConfig.from_env()
    url = f"http://127.0.0.1:{port}/hook"
    return replace(
        BotConfig.from_env(webhook_url=url, webhook_port=int(port)), webhook_listen="127.0.0.1"
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    run(config(), services)
