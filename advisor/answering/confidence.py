"""A calibrated "I don't know": whether the guidance covers a question, from the evidence.

The evidence is what retrieval saw (`knowledge.search.retrieval.Evidence`): how close
the question comes to a card (its text, its `when`, the example questions reps
ask), whether the dense and lexical lists agree, and whether the question uses
the domain's own terms. Thresholds are data (advisor/data/answering.yaml),
calibrated on the in-scope and out-of-scope questions of the development set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from knowledge.search.retrieval import Evidence

SURE, UNSURE, REFUSE = "sure", "unsure", "refuse"


@dataclass(frozen=True)
class ConfidenceRules:
    refuse_below: float = 0.0
    sure_from: float = 0.015
    # A question most of whose words a passage of the user's own documents holds is
    # covered by those documents, whatever the bundled guidance says.
    document_coverage: float = 0.6
    # A question in the domain's own words can sit a little closer to what the guidance
    # does not cover ("What are exit barriers?": short, with nothing else to place it
    # by). It is answered, as unsure, down to `worded_refuse_below`, when it uses a
    # glossary term, dense and lexical search agree on a card, and the best lexical
    # match holds at least `worded_coverage` of its words.
    worded_refuse_below: float = 0.0
    worded_coverage: float = 1.0
    # Where a language's questions sit closer to the guidance's prototypes than others
    # do, the refusal line for that language (`en`, `ko`, `zh`) lies higher.
    refuse_below_by_language: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> ConfidenceRules:
        fields = cls.__dataclass_fields__
        by_language = raw.get("refuse_below_by_language") or {}
        return cls(
            **{
                k: float(v)
                for k, v in raw.items()
                if k in fields and k != "refuse_below_by_language"
            },
            refuse_below_by_language=MappingProxyType(
                {str(k): float(v) for k, v in by_language.items()}
            ),
        )

    def refusal_line(self, language: str | None) -> float:
        return self.refuse_below_by_language.get(language or "", self.refuse_below)

    @classmethod
    def bundled(cls) -> ConfidenceRules:
        from advisor.answering.planner import answering_rules

        return cls.from_mapping(answering_rules().get("confidence") or {})


@dataclass(frozen=True)
class Confidence:
    level: str  # sure | unsure | refuse
    evidence: Evidence

    @property
    def answers(self) -> bool:
        return self.level != REFUSE

    def as_json(self) -> dict[str, Any]:
        return {"level": self.level, **self.evidence.as_json()}


def judge(evidence: Evidence, rules: ConfidenceRules, language: str | None = None) -> Confidence:
    """Sure, unsure or refuse, by the question's margin between the guidance and what it
    does not cover (the line for the question's language). An index without
    out-of-scope prototypes has no boundary to judge by: every question is then
    answered, as unsure."""
    if evidence.outside_similarity <= 0.0:
        return Confidence(UNSURE, evidence)
    if evidence.document_coverage >= rules.document_coverage and evidence.margin < rules.sure_from:
        return Confidence(UNSURE, evidence)
    refuse_below = rules.refusal_line(language)
    if evidence.margin < refuse_below:
        worded = (
            evidence.domain_terms > 0
            and evidence.agreement
            and evidence.coverage >= rules.worded_coverage
            and evidence.margin >= rules.worded_refuse_below
        )
        return Confidence(UNSURE if worded else REFUSE, evidence)
    if evidence.margin < max(rules.sure_from, refuse_below):
        return Confidence(UNSURE, evidence)
    return Confidence(SURE, evidence)
