"""The BM25 index: bm25s builds and saves it, a search reads the saved weights itself."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.search.lexical import LexicalIndex, tokenize

WORDS = [
    "rebate",
    "rebates",
    "competitor",
    "order",
    "客户",
    "流失",
    "返利",
    "핵심",
    "고객",
    "이탈",
    "visit",
    "price",
    "大客戶",
    "정기",
]
texts = st.lists(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join), min_size=1, max_size=20
)
queries = st.lists(st.sampled_from([*WORDS, "unknown", "没有"]), min_size=1, max_size=6).map(
    " ".join
)


def bm25s_scores(corpus: list[str], query: str) -> np.ndarray:
    model = bm25s.BM25()
    model.index([tokenize(t) or ["<empty>"] for t in corpus], show_progress=False)
    tokens = [t for t in tokenize(query) if t in model.vocab_dict]
    return model.get_scores(tokens) if tokens else np.zeros(len(corpus), dtype=np.float32)


@settings(max_examples=60, deadline=None)
@given(corpus=texts, query=queries)
def test_a_saved_index_scores_as_bm25s_does(
    tmp_path_factory, corpus: list[str], query: str
) -> None:
    folder = tmp_path_factory.mktemp("bm25")
    LexicalIndex.build(corpus).save(folder)
    loaded = LexicalIndex.load(folder, len(corpus))
    expected = bm25s_scores(corpus, query)
    found = dict(loaded.search(query, len(corpus)))
    want = {i: float(s) for i, s in enumerate(expected) if s > 0}
    assert found.keys() == want.keys()
    for i, score in want.items():
        assert found[i] == pytest.approx(score, rel=1e-6)


def test_the_built_and_the_loaded_index_rank_alike(tmp_path: Path) -> None:
    corpus = [
        "competitor rebate offer",
        "regular visits to key accounts",
        "경쟁사 리베이트 제안",
        "竞争对手 返利",
        "rebate rebate policy",
    ]
    built = LexicalIndex.build(corpus)
    built.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, len(corpus))
    for query in ("rebate", "리베이트 제안", "競爭對手的返利", "visits"):
        assert built.search(query, 3) == loaded.search(query, 3)
    assert loaded.search("rebate", 3)[0][0] == 4  # the document that says it twice


def test_an_index_of_another_size_or_method_is_refused(tmp_path: Path) -> None:
    LexicalIndex.build(["a rebate", "a visit"]).save(tmp_path)
    with pytest.raises(ValueError, match="2 documents, not 3"):
        LexicalIndex.load(tmp_path, 3)
    model = bm25s.BM25(method="bm25+")
    model.index([["rebate"], ["visit"]], show_progress=False)
    other = tmp_path / "plus"
    model.save(str(other), show_progress=False)
    with pytest.raises(ValueError, match="not supported"):
        LexicalIndex.load(other, 2)
