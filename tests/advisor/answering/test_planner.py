"""The planner over the bundled cards and a retrieval result made by hand."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from advisor.accounts.view import AccountView
from advisor.answering.planner import (
    PlanningRules,
    assumed_stage,
    card_stages,
    eligible,
    make_plan,
    weigh_description,
)
from advisor.answering.profile import EXISTING, PROSPECT, CustomerProfile, describe, from_segment
from advisor.answering.understanding import lexicon
from knowledge.cards import load_cards
from knowledge.search.retrieval import CardHit, Evidence, Retrieval
from tests.fakes.views import account_view, risk_view

CARDS = load_cards()
BY_ID = {c.id: c for c in CARDS}
RULES = PlanningRules()


def retrieval(*card_ids: str) -> Retrieval:
    """Search that ranked these cards, best first, with scores falling by a tenth."""
    cards = [CardHit(c, 1.0 - 0.1 * i) for i, c in enumerate(card_ids)]
    return Retrieval([], cards, Evidence(0.9, 0.9, 0.5, True, 1, 0.85))


def ids(choices: Sequence) -> list[str]:
    return [c.card.id for c in choices]


def test_the_best_retrieved_card_leads_and_a_close_second_follows() -> None:
    plan = make_plan(
        CARDS,
        retrieval("seg-eii-b-competitor-offer", "c124-maximum-benefit", "loyal-eb-financing"),
        rules=RULES,
    )
    assert ids(plan.lead) == ["seg-eii-b-competitor-offer", "c124-maximum-benefit"]


def test_a_distant_second_card_is_left_out() -> None:
    scored = Retrieval(
        [],
        [CardHit("seg-eii-b-competitor-offer", 1.0), CardHit("loyal-eb-financing", 0.5)],
        Evidence(0.9, 0.9, 0.5, True, 1, 0.85),
    )
    assert ids(make_plan(CARDS, scored, rules=RULES).lead) == ["seg-eii-b-competitor-offer"]


def test_a_prospect_never_gets_a_current_customers_strategy_and_the_reverse() -> None:
    ranked = retrieval("seg-eiii-promote", "pro-pi-close-fast", "seg-ei-integrate")
    prospect = make_plan(CARDS, ranked, profile=describe("a big chain we haven't signed yet"))
    assert all(PROSPECT in card_stages(c.card) or not card_stages(c.card) for c in prospect.lead)
    assert "pro-pi-close-fast" in ids(prospect.lead)
    existing = make_plan(
        CARDS,
        retrieval("pro-pii-nurture", "seg-eiii-promote"),
        profile=describe("tiny orders but every month for years"),
    )
    assert ids(existing.lead) == ["seg-eiii-promote"]


def test_a_segment_strategy_is_only_for_its_segment() -> None:
    ei = from_segment("EI", "described")
    assert not eligible(BY_ID["seg-eiii-promote"], ei)
    assert eligible(BY_ID["seg-ei-integrate"], ei)
    # A countermeasure answers a reason for wavering, whatever the segment.
    assert eligible(BY_ID["seg-eii-b-competitor-offer"], ei)
    plan = make_plan(CARDS, retrieval("seg-eiii-promote", "seg-ei-integrate"), profile=ei)
    assert ids(plan.lead) == ["seg-ei-integrate"] and plan.about_segment


def test_the_segment_is_one_line_of_context_unless_the_question_is_about_it() -> None:
    plan = make_plan(
        CARDS, retrieval("loyal-eb-financing"), profile=from_segment("EI", "described")
    )
    assert ids(plan.lead) == ["loyal-eb-financing"]
    assert plan.segment_card is not None and plan.segment_card.id == "seg-ei-integrate"
    assert not plan.about_segment


def test_tactics_and_pitfalls_appear_only_when_the_question_leads_to_them() -> None:
    near = make_plan(
        CARDS,
        retrieval(
            "seg-eii-b-competitor-offer",
            "c124-maximum-benefit",
            "neg-self-audit",
            "mis-more-discounts",
        ),
    )
    assert near.tactic is not None and near.tactic.card.id == "neg-self-audit"
    # A misconception is a pitfall of the answer only when the question fits it best.
    assert near.pitfalls == ()
    leaning = make_plan(
        CARDS, retrieval("mis-more-discounts", "seg-eii-b-competitor-offer", "c124-maximum-benefit")
    )
    assert ids(leaning.pitfalls) == ["mis-more-discounts"]
    assert "seg-eii-b-competitor-offer" in ids(leaning.lead)  # and its remedy still leads
    far = make_plan(
        CARDS,
        retrieval(
            "seg-eii-b-competitor-offer",
            "loyal-eb-financing",
            "loyal-eb-design-tools",
            "loyal-eb-training-support",
            "neg-self-audit",
            "mis-more-discounts",
        ),
    )
    assert far.tactic is None and far.pitfalls == ()


def test_a_pitfall_the_question_leans_into_comes_without_a_weak_action() -> None:
    plan = make_plan(
        CARDS,
        Retrieval(
            [],
            [CardHit("mis-abandon-small", 1.0), CardHit("loyal-eb-financing", 0.3)],
            Evidence(0.9, 0.9, 0.5, True, 1, 0.85),
        ),
    )
    assert ids(plan.pitfalls) == ["mis-abandon-small"] and plan.lead == ()


def _account(*risks: tuple[str, str]) -> AccountView:
    return account_view(risks=tuple(risk_view(code, sev) for code, sev in risks))


def test_an_account_answer_addresses_every_high_and_medium_risk() -> None:
    account = _account(
        ("partial_defection", "high"), ("competitor_offer", "medium"), ("low_satisfaction", "low")
    )
    mapping = lexicon()["risk_situations"]
    plan = make_plan(
        CARDS,
        retrieval("def-partial-defectors"),
        account=account,
        profile=from_segment("EII", "account"),
        risk_situations=mapping,
    )
    addressed = {code for c in plan.lead for code in c.risks}
    severe = {"partial_defection", "competitor_offer"} & set(mapping)
    assert severe <= addressed | set(plan.uncovered_risks)
    assert "seg-eii-b-competitor-offer" in ids(plan.lead)
    assert len(plan.lead) <= RULES.max_actions


def test_without_a_question_an_accounts_risks_lead() -> None:
    plan = make_plan(
        CARDS,
        retrieval("loyal-eb-financing"),
        account=_account(("competitor_offer", "high")),
        profile=from_segment("EII", "account"),
        risk_situations=lexicon()["risk_situations"],
        question_leads=False,
    )
    assert ids(plan.lead) == ["seg-eii-b-competitor-offer"]
    assert plan.lead[0].risks == ("competitor_offer",)


def test_an_account_without_risks_gets_its_segments_strategy() -> None:
    plan = make_plan(
        CARDS,
        retrieval("loyal-eb-financing"),
        account=_account(),
        profile=from_segment("EIII", "account"),
        question_leads=False,
    )
    assert ids(plan.lead) == ["seg-eiii-promote"] and plan.about_segment


@pytest.mark.parametrize("stage", [EXISTING, PROSPECT])
def test_the_stage_note_appears_only_when_the_stage_is_in_doubt(stage) -> None:
    doubtful = make_plan(CARDS, retrieval("pro-pi-close-fast", "seg-eiii-promote"))
    assert doubtful.stage_unknown
    clear = make_plan(
        CARDS,
        retrieval("pro-pi-close-fast", "seg-eiii-promote"),
        profile=CustomerProfile(stage, source="described"),
    )
    assert not clear.stage_unknown


def scored(*pairs: tuple[str, float]) -> Retrieval:
    return Retrieval([], [CardHit(c, s) for c, s in pairs], Evidence(0.9, 0.9, 0.5, True, 1, 0.85))


ONE_CUE_CURRENT = CustomerProfile(EXISTING, source="described", stage_cues=1)


def test_a_one_cue_description_gives_way_to_a_decisive_card_it_rules_out() -> None:
    # "…a company that buys from the market leader": one cue of a current customer, but
    # retrieval finds the prospect card far ahead of anything for a current customer.
    ranked = scored(("pro-pii-c-stronger-competitor", 0.7), ("seg-eii-b-competitor-offer", 0.35))
    revised = weigh_description(ONE_CUE_CURRENT, ranked, BY_ID, RULES)
    assert revised.stage is None
    assert ids(make_plan(CARDS, ranked, profile=revised).lead)[0] == "pro-pii-c-stronger-competitor"
    # The description alone would have ruled the card out.
    assert "pro-pii-c-stronger-competitor" not in ids(
        make_plan(CARDS, ranked, profile=ONE_CUE_CURRENT).lead
    )


def test_a_description_stands_when_a_card_it_allows_fits_nearly_as_well() -> None:
    ranked = scored(("pro-pii-c-stronger-competitor", 0.7), ("seg-eii-b-competitor-offer", 0.5))
    assert weigh_description(ONE_CUE_CURRENT, ranked, BY_ID, RULES) is ONE_CUE_CURRENT


def test_a_card_for_any_stage_does_not_hold_a_one_cue_description_in_place() -> None:
    # A misconception fits every stage: it says nothing about whether this is a prospect.
    ranked = scored(
        ("pro-pii-c-stronger-competitor", 0.7),
        ("mis-more-discounts", 0.6),
        ("seg-eii-b-competitor-offer", 0.3),
    )
    assert weigh_description(ONE_CUE_CURRENT, ranked, BY_ID, RULES).stage is None


def test_a_firm_description_or_a_stated_segment_never_gives_way() -> None:
    ranked = scored(("pro-pii-c-stronger-competitor", 0.7), ("seg-eii-b-competitor-offer", 0.2))
    firm = CustomerProfile(EXISTING, source="described", stage_cues=2)
    assert weigh_description(firm, ranked, BY_ID, RULES) is firm
    stated = from_segment("EII", "stated")
    assert weigh_description(stated, ranked, BY_ID, RULES) is stated


def test_a_one_cue_size_gives_way_but_the_stage_stays() -> None:
    # "small rush deliveries" says nothing of the customer's size.
    small = CustomerProfile(EXISTING, "low", source="described", stage_cues=2, contribution_cues=1)
    ranked = scored(("loyal-unique-offering", 0.6), ("risk-defection", 0.3))
    assert not eligible(BY_ID["loyal-unique-offering"], small)
    revised = weigh_description(small, ranked, BY_ID, RULES)
    assert revised.stage == EXISTING and revised.contribution is None
    assert eligible(BY_ID["loyal-unique-offering"], revised)


def test_an_answer_whose_stage_gave_way_says_the_stage_it_assumed() -> None:
    ranked = scored(("pro-pii-c-stronger-competitor", 0.7), ("seg-eii-b-competitor-offer", 0.35))
    plan = make_plan(
        CARDS, ranked, profile=weigh_description(ONE_CUE_CURRENT, ranked, BY_ID, RULES)
    )
    assert plan.stage_reread and assumed_stage(plan) == PROSPECT
    # A description that stands is no re-reading.
    kept = make_plan(CARDS, ranked, profile=ONE_CUE_CURRENT)
    assert not kept.stage_reread
