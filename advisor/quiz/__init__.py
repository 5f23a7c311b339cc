"""Trainee drills: questions generated from the cards and the sample portfolio, spaced
repetition per trainee and card, progress by topic (see docs/learning-readme.md).

- `questions`: pure generators (segment, strategy, situation, recall, true/false).
- `bank`: which drills each card gets; any question rebuilt from its id.
- `schedule`: Leitner boxes and the choice of the next card (pure, time passed in).
- `store`: `quiz_progress` and `quiz_answers` in the accounts database.
- `service`: pose, answer, progress and per-trainee summaries.
"""

from advisor.quiz.bank import QuizBank, QuizError
from advisor.quiz.questions import Question, Source
from advisor.quiz.service import Posed, Progress, QuizService, Result, TraineeSummary

__all__ = [
    "Posed",
    "Progress",
    "Question",
    "QuizBank",
    "QuizError",
    "QuizService",
    "Result",
    "Source",
    "TraineeSummary",
]
