"""Hybrid fusion, card → passage mapping, filters, glossary expansion."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.cards import load_cards
from knowledge.config import KnowledgeConfig
from knowledge.ingest.pipeline import bundled_documents, card_records, ingest, passage_records
from knowledge.search.glossary import Glossary
from knowledge.search.index import CARD, PASSAGE, KnowledgeIndex
from knowledge.search.lexical import tokenize
from knowledge.search.retrieval import Filters, HybridRetriever
from tests.fakes.embedder import FakeEmbedder


@pytest.fixture(scope="module")
def bundled_retriever(tmp_path_factory) -> HybridRetriever:
    config = KnowledgeConfig(index_dir=tmp_path_factory.mktemp("kb") / "index")
    embedder = FakeEmbedder()
    ingest(config, embedder)
    return HybridRetriever(KnowledgeIndex(config), embedder)


def test_tokenizer_matches_traditional_and_simplified_as_one() -> None:
    assert tokenize("大客戶忠誠度") == tokenize("大客户忠诚度")
    assert "고객" in tokenize("EI 고객은")
    assert tokenize("Switching costs") == ["switching", "cost"]


def test_glossary_expands_a_question_into_the_other_languages() -> None:
    extra = Glossary.load().expand("How do we raise switching costs for a key account?")
    assert "전환 비용" in extra and "转移成本" in extra and "大客户" in extra


def test_every_card_locates_at_least_one_passage() -> None:
    passages = [r for d in bundled_documents() for r in passage_records(d)]
    records = card_records(load_cards(), passages)
    unmapped = sorted({r.card_id for r in records if not r.passages})
    assert unmapped == []


def test_a_card_hit_returns_the_original_passage_and_names_the_card(bundled_retriever) -> None:
    # The card's English text shares the words; the passage is Chinese.
    hits = bundled_retriever.search("exit barrier technical dependence priority allocation", 5)
    via_card = [h for h in hits if h.card]
    assert via_card, hits
    top = via_card[0]
    assert top.passage.kind == PASSAGE and top.passage.language.startswith("zh")
    assert top.as_json()["text"] == top.original_text
    assert top.card.startswith("loyal-")


def test_search_returns_passages_only_and_no_duplicates(bundled_retriever) -> None:
    hits = bundled_retriever.search("大客户流失", 10)
    assert len(hits) == 10
    assert all(h.passage.kind == PASSAGE for h in hits)
    assert len({h.passage.id for h in hits}) == 10
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_filters_by_source_language_and_segment(bundled_retriever) -> None:
    by_source = bundled_retriever.search("고객", 5, Filters(source="002"))
    assert by_source and all(h.passage.source.startswith("002") for h in by_source)
    chinese = bundled_retriever.search("customer loyalty", 5, Filters(language="zh"))
    assert chinese and all(h.passage.language.startswith("zh") for h in chinese)
    eiv = bundled_retriever.search("strategy", 5, Filters(segment="EIV"))
    assert eiv and all("EIV" in h.passage.segments for h in eiv)


def test_fusion_rewards_agreement_between_lists(bundled_retriever, monkeypatch) -> None:
    r = bundled_retriever
    passages = [rec.id for rec in r.records if rec.kind == PASSAGE]
    a, b, c = passages[:3]
    monkeypatch.setattr(r, "_prototype_ranking", lambda q: ([], 0.0, 0.0))
    monkeypatch.setattr(r, "_dense", lambda q, n: [(a, 0.9), (b, 0.8)])
    monkeypatch.setattr(r, "_lexical", lambda q, n: [(c, 2.0), (b, 1.0)])
    hits = r.search("anything", 3)
    # b is second in both lists; a and c are first in one list each.
    # dense counts twice (plain and expanded) at weight 0.5, lexical once at 1.0.
    assert [h.passage.id for h in hits][0] == b


def test_card_lists_are_taken_round_robin(bundled_retriever, monkeypatch) -> None:
    r = bundled_retriever
    multi = next(rec for rec in r.records if rec.kind == CARD and len(rec.passages) >= 2)
    single = next(
        rec
        for rec in r.records
        if rec.kind == CARD and len(rec.passages) == 1 and rec.passages[0] not in multi.passages
    )
    monkeypatch.setattr(r, "_prototype_ranking", lambda q: ([], 0.0, 0.0))
    monkeypatch.setattr(r, "_dense", lambda q, n: [(multi.id, 0.9), (single.id, 0.8)])
    monkeypatch.setattr(r, "_lexical", lambda q, n: [])
    hits = [h.passage.id for h in r.search("x", 3)]
    assert hits[:2] == [multi.passages[0], single.passages[0]]


def test_empty_index_searches_to_nothing(tmp_path: Path) -> None:
    config = KnowledgeConfig(index_dir=tmp_path / "index")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "manifest.yaml").write_text("sources: []\n")
    (tmp_path / "cards").mkdir()
    ingest(config, FakeEmbedder(), sources_dir=tmp_path / "src", cards_dir=tmp_path / "cards")
    assert HybridRetriever(KnowledgeIndex(config), FakeEmbedder()).search("고객", 5) == []


def test_a_korean_term_of_several_words_matches_with_its_endings() -> None:
    """Korean attaches particles and endings to each word: 감정적 의존 is also said
    감정적으로 의존하게, and the glossary must still find it (and not across words
    that merely share a syllable)."""
    glossary = Glossary(
        ({"en": ("emotional dependence",), "ko": ("감정적 의존",), "zh": ("情感依赖",)},)
    )
    for question in ("감정적으로 의존하게 만드는 법", "감정적 의존", "감정적인 의존도가 높아요"):
        assert glossary.expand(question) == ["emotional dependence", "情感依赖"], question
    assert glossary.matches("감정이 상해서 의존할 데가 없대요") == []


class _BatchCounting(FakeEmbedder):
    """A fake embedder that records how it is called at search time."""

    def __init__(self) -> None:
        super().__init__()
        self.single: list[str] = []
        self.batches: list[list[str]] = []

    def embed_query(self, text: str) -> list[float]:
        self.single.append(text)
        return super().embed_query(text)

    def embed_questions(self, texts: list[str]) -> list[list[float]]:
        self.batches.append(list(texts))
        return [self._vector(t) for t in texts]  # the fake's vectors, not counted as single calls


def test_a_search_embeds_the_question_and_its_clauses_in_one_call(bundled_retriever) -> None:
    question = "Our biggest account halved its orders, a competitor offers rebates. What now?"
    expected = [(h.passage.id, round(h.score, 9)) for h in bundled_retriever.search(question, 5)]
    counting = _BatchCounting()
    r = HybridRetriever(bundled_retriever.index, counting)
    hits = r.search(question, 5)
    assert counting.single == []
    assert len(counting.batches) == 1
    batch = counting.batches[0]
    assert batch[0] == question and len(batch) == len(set(batch)) >= 3  # plus its clauses
    # The same vectors as one text at a time: the same hits with the same scores.
    assert [(h.passage.id, round(h.score, 9)) for h in hits] == expected


@pytest.mark.parametrize("from_store", [False, True])
def test_retrieval_says_how_close_each_anchored_passage_is_to_the_question(
    bundled_retriever, from_store
) -> None:
    import numpy as np

    from knowledge.search.retrieval import clauses

    question = "A big account halved its orders; a rival offers rebates. What do we do first?"
    if from_store:
        # A shared Chroma server: no local snapshot, the vectors are read from the store.
        bundled_retriever = HybridRetriever(bundled_retriever.index, bundled_retriever.embedder)
        bundled_retriever.snapshot = None
    result = bundled_retriever.retrieve(question, 5)
    anchored = {pid for passages in bundled_retriever._card_passages.values() for pid in passages}
    assert set(result.anchored_similarity) == anchored
    # The best cosine of the question and of each of its clauses with the stored vector.
    embed = bundled_retriever.embedder
    queries = np.array([embed.embed_query(t) for t in [question, *clauses(question)]])
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    stored = bundled_retriever.index.vectors(sorted(anchored))
    for pid, vector in stored.items():
        v = np.asarray(vector) / np.linalg.norm(vector)
        assert result.anchored_similarity[pid] == pytest.approx(
            float((queries @ v).max()), abs=1e-5
        )
