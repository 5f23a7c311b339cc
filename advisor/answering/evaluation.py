"""Answer evaluation: whole answers scored on a question set of the form in `shared/eval/ANSWERS.md`.

Four figures per language and overall:
- `language`: the answer's own text (not the quoted sources) is in the question's
  language, traditional Chinese for a question written in traditional characters;
- `grounded` (in scope): a citation's text holds a gold phrase after the
  matching normalisation (`knowledge.textnorm.match_key`);
- `answered` (in scope): the advisor answered instead of saying "I don't know";
- `refused` (out of scope): it said "I don't know".
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.answering.composer import Answer
from advisor.errors import AdvisorError
from knowledge.language import TRADITIONAL, base_language, detect_language
from knowledge.textnorm import match_key

OUT_OF_SCOPE = "out-of-scope"


class AnswerSetError(AdvisorError):
    """A line of an answer set that is not a question record."""


@dataclass(frozen=True)
class AnswerQuestion:
    id: str
    lang: str
    question: str
    gold: tuple[str, ...]
    topic: str = ""

    @property
    def in_scope(self) -> bool:
        return bool(self.gold) and self.topic != OUT_OF_SCOPE


def load_answer_set(path: Path) -> list[AnswerQuestion]:
    questions = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            questions.append(
                AnswerQuestion(
                    id=str(raw["id"]),
                    lang=str(raw["lang"]),
                    question=str(raw["question"]),
                    gold=tuple(str(g) for g in raw.get("gold") or ()),
                    topic=str(raw.get("topic", "")),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise AnswerSetError(f"{path}:{number}: not a question record ({exc})") from exc
    return questions


def expected_language(question: AnswerQuestion) -> str:
    """`en`, `ko`, `zh` or `zh-Hant`: what the answer must be written in."""
    if question.lang == "zh" and detect_language(question.question) == TRADITIONAL:
        return "zh-Hant"
    return question.lang


def written_in(text: str) -> str:
    detected = detect_language(text)
    return "zh-Hant" if detected == TRADITIONAL else base_language(detected)


def is_grounded(answer: Answer, gold: Sequence[str]) -> bool:
    keys = [match_key(g) for g in gold]
    for citation in answer.citations:
        texts = [citation.passage.text, citation.passage.original or ""]
        if any(k and k in match_key(t) for k in keys for t in texts if t):
            return True
    return False


@dataclass
class Tally:
    n: int = 0
    language: int = 0
    in_scope: int = 0
    grounded: int = 0
    answered: int = 0
    out_of_scope: int = 0
    refused: int = 0

    def as_json(self) -> dict[str, Any]:
        def share(part: int, whole: int) -> float | None:
            return round(part / whole, 4) if whole else None

        return {
            "n": self.n,
            "language": share(self.language, self.n),
            "grounded": share(self.grounded, self.in_scope),
            "answered": share(self.answered, self.in_scope),
            "refused": share(self.refused, self.out_of_scope),
        }


@dataclass
class AnswerEvalResult:
    by_language: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    overall: Tally = field(default_factory=Tally)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "n": self.overall.n,
            "by_language": {k: v.as_json() for k, v in sorted(self.by_language.items())},
            "overall": self.overall.as_json(),
            "misses": self.misses,
        }


def evaluate_answers(
    questions: Sequence[AnswerQuestion], ask: Callable[[str], Answer]
) -> AnswerEvalResult:
    result = AnswerEvalResult()
    for q in questions:
        answer = ask(q.question)
        wanted = expected_language(q)
        got = written_in(answer.body)
        problems: list[str] = []
        for tally in (result.by_language[q.lang], result.overall):
            tally.n += 1
            tally.language += got == wanted
            if q.in_scope:
                tally.in_scope += 1
                tally.answered += answer.known
                tally.grounded += is_grounded(answer, q.gold)
            else:
                tally.out_of_scope += 1
                tally.refused += not answer.known
        if got != wanted:
            problems.append(f"written in {got}, not {wanted}")
        if q.in_scope and not answer.known:
            problems.append('answered "I don\'t know"')
        elif q.in_scope and not is_grounded(answer, q.gold):
            problems.append("no citation holds a gold phrase")
        if not q.in_scope and answer.known:
            problems.append("answered an out-of-scope question")
        if problems:
            result.misses.append(
                {
                    "id": q.id,
                    "lang": q.lang,
                    "problems": problems,
                    "cards": [a.card_id for a in answer.actions],
                }
            )
    return result
