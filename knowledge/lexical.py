"""The lexical half of hybrid search: a tokenizer for Korean, Chinese and English,
and a BM25 index over it (bm25s: sparse matrices, saved to disk).

LangChain's BM25Retriever wraps rank_bm25, which scores every document in
Python for each query term; at 100,000 passages that alone is slower than
the whole search budget, so the index is bm25s and the fusion is ours.
"""

from __future__ import annotations

import re
from pathlib import Path

import bm25s
import numpy as np

from knowledge.textnorm import strip_pinyin, to_simplified

_RUNS = re.compile(r"[a-z0-9]+|[\uac00-\ud7af]+|[\u3400-\u9fff\uf900-\ufaff]+")
_STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how", "i", "in", "is", "it", "of", "on", "or", "our", "should", "so", "that", "the", "their", "them", "they", "this", "to", "was", "we", "what", "when", "which", "who", "why", "will", "with", "you", "your", "my", "me", "us", "its", "into", "about", "than", "then", "there", "these", "those", "would", "could", "has", "have", "had", "been"]
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


class LexicalIndex:
    """BM25 over a fixed list of documents; results are positions in that list."""

    def __init__(self, model: bm25s.BM25 | None, size: int) -> None:
        self._model = model
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        if not texts:
            return cls(None, 0)
        model = bm25s.BM25()
        corpus = [tokenize(t) or ["<empty>"] for t in texts]
        model.index(corpus, show_progress=False)
        return cls(model, len(texts))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self._model is not None:
            self._model.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        if size == 0:
            return cls(None, 0)
        model = bm25s.BM25.load(str(directory), mmap=False, show_progress=False)
        return cls(model, size)

    def search(
        self, query: str, k: int, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top k (position, score) with a positive score; `mask` zeroes excluded rows."""
        tokens = tokenize(query)
        if not tokens or self._model is None:
            return []
        scores = self._model.get_scores(tokens)
        if mask is not None:
            scores = scores * mask
        k = min(k, self.size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
