"""Reading the customer a question describes, and the confidence to answer at all."""

from __future__ import annotations

from dataclasses import replace

import pytest

from advisor.answering.confidence import REFUSE, SURE, UNSURE, ConfidenceRules, judge
from advisor.answering.profile import (
    EXISTING,
    FUTURE,
    PROSPECT,
    CustomerProfile,
    describe,
    from_segment,
)
from advisor.answering.understanding import detect_situations
from knowledge.search.retrieval import Evidence


@pytest.mark.parametrize(
    ("question", "stage", "segments"),
    [
        (
            "They've been ordering every month for three years, but tiny amounts. Worth more visits?",
            EXISTING,
            ("EIII",),
        ),
        (
            "Our biggest customer, with us for 5 years, steady orders like clockwork. What next?",
            EXISTING,
            ("EI",),
        ),
        (
            "Our largest account is buying less since spring and orders jump up and down.",
            EXISTING,
            ("EII",),
        ),
        (
            "Small customer, tiny orders, and irregular: some months nothing at all.",
            EXISTING,
            ("EIV",),
        ),
        (
            "A big chain we haven't signed yet is keen to move fast. How do we close?",
            PROSPECT,
            ("PI",),
        ),
        ("대기업인데 아직 계약 전이고 담당자가 시큰둥해요. 계속 공들일까요?", PROSPECT, ("PII",)),
        ("老客户，每个月都下单，但量很小，要不要多跑几趟？", EXISTING, ("EIII",)),
        ("我们想开发新客户，平时该从哪些渠道收集线索？", FUTURE, ("F",)),
    ],
)
def test_the_described_customer_gives_stage_and_segment(question, stage, segments) -> None:
    profile = describe(question)
    assert profile.stage == stage and profile.segments == segments
    assert profile.source == "described"


def test_one_axis_leaves_two_segments_and_no_cue_leaves_nothing() -> None:
    profile = describe("Our biggest customer wants us to finance three new outlets.")
    assert profile.stage == EXISTING and profile.segments == ("EI", "EII")
    assert profile.segment is None
    assert describe("What is a good way to open a negotiation?") == CustomerProfile()


def test_a_prospect_cue_outweighs_ordering_words() -> None:
    # "before he signs the PO" speaks of ordering, but the customer has not signed.
    assert describe("Their buyer wants a trial before he signs the PO").stage == PROSPECT


def test_a_known_segment_is_a_complete_profile() -> None:
    assert from_segment("EII", "account").segments == ("EII",)
    assert from_segment("PIII", "stated").stage == PROSPECT
    assert from_segment("F", "account").segments == ("F",)


def _evidence(margin: float, outside: float = 0.9) -> Evidence:
    return Evidence(
        similarity=0.9,
        card_similarity=outside + margin,
        coverage=0.5,
        agreement=True,
        domain_terms=1,
        outside_similarity=outside,
    )


@pytest.mark.parametrize(
    ("margin", "level"),
    [(0.05, SURE), (0.015, SURE), (0.01, UNSURE), (0.0, UNSURE), (-0.001, REFUSE), (-0.05, REFUSE)],
)
def test_the_margin_decides_sure_unsure_or_refuse(margin, level) -> None:
    rules = ConfidenceRules(refuse_below=0.0, sure_from=0.015)
    assert judge(_evidence(margin), rules).level == level


def test_a_language_can_have_its_own_refusal_line() -> None:
    rules = ConfidenceRules.from_mapping(
        {"refuse_below": 0.0, "sure_from": 0.015, "refuse_below_by_language": {"zh": 0.02}}
    )
    assert judge(_evidence(0.01), rules, "zh").level == REFUSE
    assert judge(_evidence(0.01), rules, "en").level == UNSURE
    assert judge(_evidence(0.01), rules).level == UNSURE
    # A line above `sure_from` leaves that language no "unsure" band: past it, sure.
    assert judge(_evidence(0.025), rules, "zh").level == SURE
    assert judge(_evidence(0.018), rules, "zh").level == REFUSE


def test_a_short_question_in_the_domains_words_is_answered_just_below_the_line() -> None:
    rules = ConfidenceRules(
        refuse_below=0.0, sure_from=0.015, worded_refuse_below=-0.01, worded_coverage=0.5
    )

    def worded(margin: float, **changes: object) -> str:
        evidence = replace(_evidence(margin), **{"coverage": 0.8, **changes})
        return judge(evidence, rules).level

    assert worded(-0.005) == UNSURE
    assert worded(-0.011) == REFUSE  # too far below the line, whatever its words
    assert worded(-0.005, domain_terms=0) == REFUSE  # no glossary term
    assert worded(-0.005, agreement=False) == REFUSE  # the searches disagree
    assert worded(-0.005, coverage=0.4) == REFUSE  # its words are mostly elsewhere
    # The bundled rules keep a margin under every line a refusal (worded_* unset: none).
    assert judge(replace(_evidence(-0.005), coverage=0.8), ConfidenceRules()).level == REFUSE


def test_an_index_without_a_boundary_answers_every_question_as_unsure() -> None:
    evidence = Evidence(0.5, 0.5, 0.0, False, 0, outside_similarity=0.0)
    assert judge(evidence, ConfidenceRules()).level == UNSURE


def test_the_bundled_thresholds_come_from_data() -> None:
    rules = ConfidenceRules.bundled()
    assert rules.refuse_below < rules.sure_from


@pytest.mark.parametrize(
    ("question", "situation"),
    [
        ("the rival quoted my client 8% lower, do we match their price?", "competitor-offer"),
        ("경쟁사가 더 싸게 준다고 하네요", "competitor-offer"),
        ("对手报价更低，怎么办", "competitor-offer"),
        ("half of this RFP looks like a smoke screen, which parts are real?", "decoy-requirement"),
    ],
)
def test_situation_words_name_the_situation(question: str, situation: str) -> None:
    assert situation in detect_situations(question)


@pytest.mark.parametrize(
    ("question", "situation"),
    [
        # A tender is not a decoy requirement, nor is a hotel a new sales channel:
        # words of the trade that say nothing of the situation are no signal.
        (
            "down to the last two in a tender, what do we stress in the final round?",
            "decoy-requirement",
        ),
        ("客户的需求是什么？我们怎么投标", "decoy-requirement"),
        ("a hotel group loved our tasting, how do we close them?", "new-channel"),
    ],
)
def test_everyday_words_of_the_trade_name_no_situation(question: str, situation: str) -> None:
    assert situation not in detect_situations(question)


def test_a_description_says_how_many_cues_decide_it() -> None:
    one = describe("tiny orders but every month for years")
    assert (one.stage, one.stage_cues, one.contribution_cues) == (EXISTING, 1, 1)
    assert describe("What is a good way to open a negotiation?").stage_cues == 0
    # A tie the prospect rule settles ("not signed yet, but orders monthly") is firm.
    for question in ("아직 계약 전인데 매달 주문합니다", "还没签约，但每月都下单"):
        tie = describe(question)
        assert tie.stage == PROSPECT and tie.stage_cues >= 2, question


@pytest.mark.parametrize(
    ("question", "situation", "named"),
    [
        ("Our top client is happy, no complaints at all.", "complaint", False),
        ("not a single complaint in three years", "complaint", False),
        ("They never complained, but the orders fell", "complaint", False),
        ("no idea why they are dissatisfied", "dissatisfaction", True),
        ("客户对我们服务没啥抱怨，但也没啥感觉", "dissatisfaction", False),
        ("客户从来没有投诉过", "complaint", False),
        ("客户不断投诉", "complaint", True),
        ("没想到客户这么不满", "dissatisfaction", True),
        ("我们没有办法，客户很不满", "dissatisfaction", True),
        ("불만은 없는데 반응이 없어요", "dissatisfaction", False),
        ("불만을 해결할 방법이 없어요", "dissatisfaction", True),
        # Words that carry a marker but mean "endless" or "a lot".
        ("불만이 끝이 없어요", "dissatisfaction", True),
        ("항의가 끊임없이 들어옵니다", "complaint", True),
        ("客户无比不满", "dissatisfaction", True),
        ("客户没完没了地抱怨", "dissatisfaction", True),
        ("There is no end to the complaints", "complaint", True),
    ],
)
def test_a_denied_keyword_names_no_situation(question: str, situation: str, named: bool) -> None:
    assert (situation in detect_situations(question)) is named
