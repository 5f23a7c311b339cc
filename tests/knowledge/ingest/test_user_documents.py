"""A user's own documents answer too: found by their own sentences and by their content."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.answering.knowledge import KnowledgeBase
from advisor.answering.service import Advisor
from knowledge.config import KnowledgeConfig
from knowledge.ingest.pipeline import ingest
from knowledge.search.index import KnowledgeIndex
from knowledge.search.retrieval import HybridRetriever
from tests.fakes.embedder import FakeEmbedder

POLICY = """Key account discount policy

Discounts above 5% for a key account need the approval of the regional sales director. The request must state the account's revenue over the last twelve months and the competing offer, if any.

Year-end rebates for distributors are paid in January after the annual volume has been confirmed by finance. A distributor that misses its volume target by more than 10% receives no year-end rebate.
"""
VISITS = """핵심 거래처 방문 규정

매출 상위 20개 거래처는 담당 영업사원이 매달 한 번 이상 직접 방문해야 합니다. 방문 후에는 사흘 안에 방문 보고서를 CRM에 등록합니다.
"""


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory) -> KnowledgeBase:
    folder = tmp_path_factory.mktemp("docs")
    (folder / "policy.txt").write_text(POLICY, "utf-8")
    (folder / "visits.md").write_text(VISITS, "utf-8")
    config = KnowledgeConfig(index_dir=tmp_path_factory.mktemp("user") / "index")
    ingest(config, FakeEmbedder(), [folder], out_of_scope=None)
    return KnowledgeBase(HybridRetriever(KnowledgeIndex(config), FakeEmbedder()))


def _rank(knowledge: KnowledgeBase, question: str, name: str) -> int | None:
    hits = knowledge.search(question, 10)
    return next((i for i, h in enumerate(hits, 1) if Path(h.passage.source).name == name), None)


@pytest.mark.parametrize(
    "sentence",
    [
        "A distributor that misses its volume target by more than 10% receives no year-end rebate.",
        "매출 상위 20개 거래처는 담당 영업사원이 매달 한 번 이상 직접 방문해야 합니다.",
    ],
)
def test_a_passage_searched_with_its_own_sentence_comes_first(knowledge, sentence) -> None:
    name = "policy.txt" if sentence.isascii() else "visits.md"
    assert _rank(knowledge, sentence, name) == 1


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("who has to approve a discount above 5% for a key account?", "policy.txt"),
        ("when are year-end rebates paid to distributors?", "policy.txt"),
        ("상위 거래처는 매달 몇 번 방문해야 하나요?", "visits.md"),
    ],
)
def test_a_question_about_its_content_finds_it_in_the_top_three(knowledge, question, name) -> None:
    rank = _rank(knowledge, question, name)
    assert rank is not None and rank <= 3


def test_the_answer_cites_the_users_document_directly(knowledge) -> None:
    answer = Advisor(knowledge).ask("who has to approve a discount above 5% for a key account?")
    assert answer.known
    cited = [c for c in answer.citations if Path(c.passage.source).name == "policy.txt"]
    assert cited and cited[0].card is None
    assert f"[{cited[0].number}]" in answer.text
    assert "From your documents:" in answer.text
