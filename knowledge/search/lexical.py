"""The lexical half of hybrid search: a tokenizer for Korean, Chinese and English,
and a BM25 index over it (bm25s: sparse matrices, saved to disk).

LangChain's BM25Retriever wraps rank_bm25, which scores every document in
Python for each query term; at 100,000 passages that alone is slower than
the whole search budget, so the index is bm25s and the fusion is ours.

bm25s builds and saves the index. A search reads bm25s's saved matrix
(precomputed BM25 weights per token and document, compressed sparse columns)
and adds up the columns of the query's tokens, as bm25s does: importing bm25s
imports scipy, which alone costs a cold command a quarter of a second.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from knowledge.textnorm import strip_pinyin, to_simplified

if TYPE_CHECKING:
    import bm25s

_RUNS = re.compile(r"[a-z0-9]+|[\uac00-\ud7af]+|[\u3400-\u9fff\uf900-\ufaff]+")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "my",
        "me",
        "us",
        "its",
        "into",
        "about",
        "than",
        "then",
        "there",
        "these",
        "those",
        "would",
        "could",
        "has",
        "have",
        "had",
        "been",
    ]
)


def _english(word: str) -> str:
    # Light plural folding is enough: English only appears in cards and questions.
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Words for Latin text, character bigrams inside Hangul and Han runs.

    Chinese is folded to simplified first, so traditional and simplified match.
    A one-character run is kept as a unigram (e.g. 户 in 客户 split by punctuation).
    """
    text = to_simplified(strip_pinyin(text)).lower()
    tokens: list[str] = []
    for match in _RUNS.finditer(text):
        run = match.group()
        if run[0].isascii():
            if run not in _STOPWORDS:
                tokens.append(_english(run))
        elif len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


# The BM25 variants whose saved weights are the whole score (bm25l and bm25+ add a
# per-token score for documents that lack the token, kept in a further array).
_PLAIN_METHODS = frozenset({"lucene", "robertson", "atire"})


@dataclass(frozen=True)
class _Weights:
    """bm25s's precomputed weights: column `t` of the CSC matrix is token `t`."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    vocab: dict[str, int]
    size: int

    def scores(self, tokens: list[str]) -> np.ndarray:
        scores = np.zeros(self.size, dtype=np.float32)
        for token in tokens:  # a repeated query token counts again, as in bm25s
            column = self.vocab.get(token)
            if column is None:
                continue
            start, end = self.indptr[column], self.indptr[column + 1]
            np.add.at(scores, self.indices[start:end], self.data[start:end])
        return scores

    @classmethod
    def of_model(cls, model: bm25s.BM25) -> _Weights:
        matrix = model.scores
        return cls(
            matrix["data"],
            matrix["indices"],
            matrix["indptr"],
            dict(model.vocab_dict),
            int(matrix["num_docs"]),
        )

    @classmethod
    def read(cls, directory: Path) -> _Weights:
        params = json.loads((directory / "params.index.json").read_text("utf-8"))
        method = params.get("method", "lucene")
        if method not in _PLAIN_METHODS or (directory / "nonoccurrence_array.index.npy").exists():
            raise ValueError(f"a BM25 index of method {method!r} is not supported")
        vocab = json.loads((directory / "vocab.index.json").read_text("utf-8"))
        return cls(
            np.load(directory / "data.csc.index.npy"),
            np.load(directory / "indices.csc.index.npy"),
            np.load(directory / "indptr.csc.index.npy"),
            {str(token): int(column) for token, column in vocab.items()},
            int(params["num_docs"]),
        )


class LexicalIndex:
    """BM25 over a fixed list of documents; results are positions in that list."""

    def __init__(
        self, weights: _Weights | None, size: int, model: bm25s.BM25 | None = None
    ) -> None:
        self._weights = weights
        self._model = model  # only an index built here is saved
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        if not texts:
            return cls(None, 0)
        import bm25s

        model = bm25s.BM25()
        corpus = [tokenize(t) or ["<empty>"] for t in texts]
        model.index(corpus, show_progress=False)
        return cls(_Weights.of_model(model), len(texts), model)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self._model is not None:
            self._model.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        if size == 0:
            return cls(None, 0)
        weights = _Weights.read(directory)
        if weights.size != size:
            raise ValueError(f"it indexes {weights.size} documents, not {size}")
        return cls(weights, size)

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top k (position, score) with a positive score; `mask` zeroes excluded rows."""
        tokens = tokenize(query)
        if not tokens or self._weights is None:
            return []
        scores = self._weights.scores(tokens)
        if mask is not None:
            scores = scores * mask
        k = min(k, self.size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
