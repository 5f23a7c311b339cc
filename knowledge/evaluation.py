"""Retrieval evaluation: recall@k on a question set of the `shared/eval` form.

A retrieved passage is a hit when, after normalisation (`textnorm.match_key`),
it contains any of the question's gold phrases. Both the passage's source
wording and its normalised (readable) wording are checked: they are the same
passage.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.errors import KnowledgeError
from knowledge.search.retrieval import Hit
from knowledge.textnorm import match_key


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    question: str
    gold: tuple[str, ...]


def load_questions(path: Path) -> list[Question]:
    questions = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            questions.append(
                Question(
                    str(raw["id"]), str(raw.get("lang", "")), raw["question"], tuple(raw["gold"])
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise KnowledgeError(f"{path}:{number}: not a question record ({exc})") from exc
    return questions


def is_hit(hit: Hit, gold: Sequence[str]) -> bool:
    texts = [match_key(hit.passage.text)]
    if hit.passage.original:
        texts.append(match_key(hit.passage.original))
    return any(match_key(g) in t for g in gold for t in texts)


def first_hit_rank(hits: Sequence[Hit], gold: Sequence[str]) -> int | None:
    for rank, hit in enumerate(hits, start=1):
        if is_hit(hit, gold):
            return rank
    return None


@dataclass(frozen=True)
class EvalResult:
    k: int
    n: int
    recall: float
    recall_at: dict[int, float]
    by_language: dict[str, dict[int, float]]
    misses: list[str]

    def as_json(self) -> dict[str, object]:
        return {
            "recall": round(self.recall, 4),
            "k": self.k,
            "n": self.n,
            "recall_at": {str(c): round(v, 4) for c, v in self.recall_at.items()},
            "by_language": {
                lang: {str(c): round(v, 4) for c, v in values.items()}
                for lang, values in self.by_language.items()
            },
            "misses": self.misses,
        }


def evaluate(
    questions: Sequence[Question], search: Callable[[str, int], Sequence[Hit]], k: int = 5
) -> EvalResult:
    cutoffs = sorted({1, 3, 5, k})
    depth = max(cutoffs)
    ranks: dict[str, int | None] = {}
    for q in questions:
        ranks[q.id] = first_hit_rank(search(q.question, depth), q.gold)

    def recall(subset: Sequence[Question], cutoff: int) -> float:
        if not subset:
            return 0.0
        found = sum(1 for q in subset if (r := ranks[q.id]) is not None and r <= cutoff)
        return found / len(subset)

    groups: dict[str, list[Question]] = defaultdict(list)
    for q in questions:
        groups[q.lang].append(q)
    return EvalResult(
        k=k,
        n=len(questions),
        recall=recall(questions, k),
        recall_at={c: recall(questions, c) for c in cutoffs},
        by_language={
            lang: {c: recall(group, c) for c in cutoffs} for lang, group in sorted(groups.items())
        },
        misses=[q.id for q in questions if (r := ranks[q.id]) is None or r > k],
    )
