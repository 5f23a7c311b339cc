"""Each risk signal with its evidence, and the off-season dip told apart from a decline."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from advisor.accounts import risks as risks_module
from advisor.accounts.reasons import Risk
from advisor.accounts.risks import RiskConfig, account_risks
from advisor.accounts.segmentation import segment_accounts
from tests.fakes.accounts import AS_OF, events, monthly, steady, tx


def _risks(
    rows: list, evts: list | None = None, config: RiskConfig | None = None
) -> dict[str, list[Risk]]:
    # Nine steady fillers keep the portfolio big enough for a real top-20% split.
    fillers: list = []
    for i in range(9):
        fillers += steady(f"fill{i}", 10.0)
    seg = segment_accounts(tx(rows + fillers), as_of=AS_OF)
    return account_risks(seg, events(evts) if evts else None, config)


def by_code(risks: list[Risk]) -> dict[str, Risk]:
    return {r.code: r for r in risks}


def test_quiet_steady_account_has_no_risk() -> None:
    assert "A" not in _risks(steady("A", 100.0))


def test_sharp_decline_and_partial_defection() -> None:
    amounts = {i: 1000.0 for i in range(9)} | {9: 400.0, 10: 400.0, 11: 400.0}  # 1200 vs 3000
    risks = by_code(_risks(monthly("X", amounts))["X"])
    assert set(risks) == {"sharp_decline", "partial_defection"}
    decline = risks["sharp_decline"]
    assert decline.severity == "high"  # a top account
    assert decline.params["ratio_pct"] == pytest.approx(0.4)
    assert decline.params["yoy_pct"] is None  # only one year on record
    assert (
        decline.evidence() == "last quarter 1.2K is only 40% of the earlier quarters' average (3K)"
    )
    partial = risks["partial_defection"]
    assert partial.params["months"] == 3
    assert partial.evidence() == (
        "still buying (3 of the last 3 months), but the last quarter 1.2K is only 40% "
        "of the earlier average (3K): volume is moving elsewhere"
    )


def test_partial_defection_without_sharp_decline() -> None:
    amounts = {i: 100.0 for i in range(9)} | {9: 70.0, 10: 70.0, 11: 70.0}  # 0.7
    risks = by_code(_risks(monthly("X", amounts))["X"])
    assert set(risks) == {"partial_defection"}


def test_decline_thresholds_exactly() -> None:
    half = {i: 100.0 for i in range(9)} | {9: 50.0, 10: 50.0, 11: 50.0}  # exactly 0.5
    eighty = {i: 100.0 for i in range(9)} | {9: 80.0, 10: 80.0, 11: 80.0}  # exactly 0.8
    risks = _risks(monthly("half", half) + monthly("eighty", eighty))
    assert set(by_code(risks["half"])) == {"partial_defection"}
    assert "eighty" not in risks


def test_decline_needs_still_buying_for_partial_defection() -> None:
    amounts = {i: 100.0 for i in range(9)} | {11: 120.0}  # one month in the last quarter
    risks = by_code(_risks(monthly("X", amounts))["X"])
    assert set(risks) == {"sharp_decline"}


def test_off_season_dip_is_not_a_decline() -> None:
    season = {i: 100.0 for i in range(-12, 12)}
    for i in (-3, -2, -1, 9, 10, 11):
        season[i] = 20.0
    decline = {i: 100.0 for i in range(-12, 12)} | {9: 20.0, 10: 20.0, 11: 20.0}
    risks = _risks(monthly("season", season) + monthly("decline", decline))
    assert [r.code for r in risks["season"]] == ["off_season_dip"]
    dip = risks["season"][0]
    assert dip.severity == "info"
    assert dip.params["yoy_pct"] == 1.0
    assert dip.params["year_ago_trend_pct"] == pytest.approx(0.2)
    assert dip.evidence() == (
        "last quarter 60 is 20% of the earlier quarters' average, but 100% of the same months "
        "a year earlier (60), which dipped the same way (20% of the quarters before them): "
        "an off-season dip, not a decline"
    )
    assert set(by_code(risks["decline"])) == {"sharp_decline", "partial_defection"}
    assert (
        by_code(risks["decline"])["sharp_decline"]
        .evidence()
        .endswith("and 20% of the same months a year earlier (300)")
    )


def test_above_last_year_without_the_same_dip_is_quiet() -> None:
    # Erratic: a weak quarter now, but far above a tiny quarter a year earlier.
    amounts = {i: 100.0 for i in range(-12, 12)} | {-3: 1.0, -2: 1.0, -1: 1.0}
    amounts |= {9: 40.0, 10: 40.0, 11: 40.0}
    assert "X" not in _risks(monthly("X", amounts))


@pytest.mark.parametrize(("days", "lapsed"), [(90, False), (91, True)])
def test_lapsed_against_its_own_gap(days: int, lapsed: bool) -> None:
    # Bought every 30 days until `days` before as-of: lapsed beyond 3 x 30 days.
    last = AS_OF - dt.timedelta(days=days)
    rows = [("X", last - dt.timedelta(days=30 * k), 100.0) for k in range(12)]
    risks = by_code(_risks(rows).get("X", []))
    assert ("lapsed" in risks) is lapsed
    if lapsed:
        assert risks["lapsed"].params == {"days": 91, "gap": 30, "last": last}
        assert risks["lapsed"].evidence() == (
            f"no purchase for 91 days (last on {last}); it usually buys every 30 days"
        )


def test_lapsed_single_purchase_uses_default_days() -> None:
    rows = [
        ("X", AS_OF - dt.timedelta(days=91), 100.0),
        ("Y", AS_OF - dt.timedelta(days=90), 100.0),
    ]
    risks = _risks(rows)
    assert by_code(risks["X"])["lapsed"].evidence().startswith("no purchase for 91 days (last on")
    assert "lapsed" not in by_code(risks.get("Y", []))


def test_weekly_buyer_is_not_nagged_before_the_minimum() -> None:
    rows = [("X", AS_OF - dt.timedelta(days=44 + 7 * k), 10.0) for k in range(40)]
    assert "lapsed" not in by_code(_risks(rows).get("X", []))


def test_complaints_are_closed_oldest_first() -> None:
    evts = [
        ("A", "2026-06-01", "complaint", None, "late delivery"),
        ("A", "2026-07-01", "complaint", None, "broken seal"),
        ("A", "2026-07-10", "resolved", None, None),
        ("B", "2026-06-01", "complaint", None, None),
        ("B", "2026-06-05", "resolved", None, None),
        ("C", "2026-10-20", "complaint", None, None),
        ("D", "2026-11-05", "complaint", None, None),  # after as-of: not yet known
    ]
    rows = steady("A", 10.0) + steady("B", 10.0) + steady("C", 1.0) + steady("D", 1.0)
    risks = _risks(rows, evts)
    complaint = by_code(risks["A"])["unresolved_complaint"]
    assert complaint.params == {
        "count": 1,
        "since": dt.date(2026, 7, 1),
        "days": 122,
        "note": "broken seal",
    }
    assert complaint.severity == "high"
    assert (
        complaint.evidence() == "1 still open, the oldest since 2026-07-01 (122 days) — broken seal"
    )
    assert "B" not in risks
    assert by_code(risks["C"])["unresolved_complaint"].severity == "medium"  # small and recent
    assert "D" not in risks


def test_overdue_big_seller_big_debtor() -> None:
    evts = [
        ("BIG", "2026-10-05", "overdue", 210000.0, "July invoices"),
        ("SMALL", "2026-08-02", "overdue", None, None),  # 90 days ago: still counts
        ("OLD", "2026-08-01", "overdue", 5.0, None),  # 91 days ago: stale
    ]
    rows = steady("BIG", 100000.0) + steady("SMALL", 1.0) + steady("OLD", 1.0)
    risks = _risks(rows, evts)
    big = by_code(risks["BIG"])["overdue_payment"]
    assert big.severity == "high"
    assert big.evidence() == (
        "payment overdue by 210K, reported on 2026-10-05, while it bought 1.2M in the window: "
        "a big buyer that is also a big debtor — July invoices"
    )
    small = by_code(risks["SMALL"])["overdue_payment"]
    assert small.severity == "medium"
    assert (
        small.evidence()
        == "payment overdue, reported on 2026-08-02, while it bought 12 in the window"
    )
    assert "OLD" not in risks


def test_competitor_offer_window() -> None:
    evts = [
        ("A", "2026-05-04", "competitor_offer", None, "8% off"),  # 180 days
        ("B", "2026-05-03", "competitor_offer", None, None),  # 181 days
    ]
    risks = _risks(steady("A", 1.0) + steady("B", 1.0), evts)
    offer = by_code(risks["A"])["competitor_offer"]
    assert offer.evidence() == "competitor offer reported on 2026-05-04 (180 days ago) — 8% off"
    assert offer.severity == "medium"
    assert "B" not in risks


@pytest.mark.parametrize(("score", "severity"), [(1, "high"), (2, "medium"), (3, None)])
def test_low_satisfaction(score: int, severity: str | None) -> None:
    evts = [
        ("A", "2026-01-05", "satisfaction", 5.0, None),
        ("A", "2026-09-12", "satisfaction", float(score), None),
    ]
    risks = by_code(_risks(steady("A", 1.0), evts).get("A", []))
    if severity is None:
        assert "low_satisfaction" not in risks
    else:
        assert risks["low_satisfaction"].severity == severity
        assert risks["low_satisfaction"].evidence() == f"satisfaction {score} of 5 on 2026-09-12"


def test_a_later_good_score_clears_low_satisfaction() -> None:
    evts = [
        ("A", "2026-03-01", "satisfaction", 1.0, None),
        ("A", "2026-09-01", "satisfaction", 4.0, None),
    ]
    assert "A" not in _risks(steady("A", 1.0), evts)


def test_lost() -> None:
    evts = [("A", "2026-09-30", "lost", None, "signed with a rival")]
    lost = by_code(_risks(steady("A", 1.0), evts)["A"])["lost"]
    assert lost.severity == "high"
    assert lost.evidence("ko") == "2026-09-30에 이탈 고객으로 기록됨 — signed with a rival"
    assert lost.evidence("zh") == "已于2026-09-30记录为流失客户——signed with a rival"


def test_risks_are_sorted_most_severe_first() -> None:
    evts = [("A", "2026-09-12", "satisfaction", 2.0, None), ("A", "2026-09-30", "lost", None, None)]
    assert [r.severity for r in _risks(steady("A", 1.0), evts)["A"]] == ["high", "medium"]


# The rules run only on the rows a vectorised pre-filter lets through: it must let
# through every row any rule fires on.
_ACCOUNT = st.sampled_from(["A", "B", "C", "D", "E"])
_PURCHASES = st.lists(
    st.tuples(
        _ACCOUNT,
        st.integers(min_value=0, max_value=760),
        st.sampled_from([0.0, 5.0, 40.0, 250.0, 2000.0]),
    ),
    min_size=1,
    max_size=60,
)
_EVENTS = st.lists(
    st.tuples(
        _ACCOUNT,
        st.integers(min_value=0, max_value=760),
        st.sampled_from(
            ["complaint", "resolved", "overdue", "competitor_offer", "satisfaction", "lost"]
        ),
        st.sampled_from([None, 1.0, 2.0, 4.0]),
    ),
    max_size=8,
)


# Weekly, more in its last weeks, then silent for 53 days: lapsed, though not declining.
_WEEKLY_THEN_SILENT = [("A", d, 40.0 if d < 670 else 400.0) for d in range(0, 711, 7)]
_BUYING_LESS = (
    [("B", d, 250.0) for d in range(400, 670, 30)]  # trend about 0.7
    + [("B", d, 175.0) for d in range(680, 761, 30)]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(purchases=_PURCHASES, happened=_EVENTS)
@example(purchases=_WEEKLY_THEN_SILENT, happened=[])
@example(purchases=_BUYING_LESS, happened=[])
def test_the_pre_filter_keeps_every_account_a_rule_fires_on(purchases, happened) -> None:
    start = AS_OF - dt.timedelta(days=760)
    seg = segment_accounts(
        tx([(a, start + dt.timedelta(days=d), v) for a, d, v in purchases]), as_of=AS_OF
    )
    ev = events([(a, start + dt.timedelta(days=d), t, v, None) for a, d, t, v in happened])
    fast = account_risks(seg, ev)
    with mock.patch.object(risks_module, "_candidates", lambda seg, with_events, cfg: seg.frame):
        every_row = account_risks(seg, ev)
    assert fast == every_row
