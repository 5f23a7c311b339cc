"""Every segment boundary, exactly at and just past each threshold, with its reasons."""

from __future__ import annotations

import pytest

from advisor.accounts.segmentation import SegmentConfig, segment_accounts
from advisor.errors import AdvisorError, ConfigError
from advisor.settings import Settings
from tests.fakes.accounts import AS_OF, accounts, monthly, steady, tx


def _ranked(revenues: list[float]) -> list[tuple[str, object, float]]:
    """One steady account per revenue, named R01, R02, ... (12 equal months)."""
    rows: list = []
    for i, revenue in enumerate(revenues, start=1):
        rows += steady(f"R{i:02d}", revenue / 12)
    return rows


def codes(seg, account_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.code for r in seg.reasons(seg.row(account_id))]


@pytest.mark.parametrize(("months", "stable"), [(12, True), (9, True), (8, False)])
def test_active_months_boundary(months: int, stable: bool) -> None:
    # The last quarter always bought; earlier months fill up to `months`.
    active = {i: 100.0 for i in range(12 - months, 12)}
    rows = monthly("X", active) + _ranked([5000.0] * 9)
    seg = segment_accounts(tx(rows), as_of=AS_OF)
    x = seg.row("X")
    assert x is not None and x["active_months"] == months
    assert x["stable"] is stable
    reason = seg.reasons(x)[1]
    assert reason.code == ("active_ok" if stable else "active_low")
    assert reason.params == {"active": months, "months": 12, "need": 9}
    text = reason.text()
    assert text == (
        f"bought in {months} of 12 months (stable needs 9)"
        if stable
        else f"bought in only {months} of 12 months (stable needs 9)"
    )


@pytest.mark.parametrize(("last_month", "stable"), [(50.0, True), (49.99, False)])
def test_trend_boundary(last_month: float, stable: bool) -> None:
    # Earlier quarters 300 each; the last quarter 150 is exactly half.
    amounts = {i: 100.0 for i in range(9)} | {9: last_month, 10: last_month, 11: last_month}
    seg = segment_accounts(tx(monthly("X", amounts)), as_of=AS_OF)
    x = seg.row("X")
    assert x is not None
    assert x["trend_ratio"] == pytest.approx(last_month * 3 / 300)
    assert x["stable"] is stable
    assert codes(seg, "X")[-1] == ("trend_ok" if stable else "trend_low")


def test_rank_boundary_top_fifth() -> None:
    seg = segment_accounts(tx(_ranked([1000.0 - 100 * i for i in range(10)])), as_of=AS_OF)
    assert seg.contribution.mode == "rank"
    assert (seg.contribution.n, seg.contribution.k) == (10, 2)
    assert seg.contribution.threshold == pytest.approx(900.0)
    high = {r["account_id"] for r in seg.rows() if r["high_contribution"]}
    assert high == {"R01", "R02"}
    r2, r3 = seg.row("R02"), seg.row("R03")
    assert seg.reasons(r2)[0].text() == "top 20% by revenue: 900, rank 2 of 10"
    assert seg.reasons(r3)[0].text() == (
        "outside the top 20% by revenue: 800, rank 3 of 10 (the top group starts at 900)"
    )
    assert {r["account_id"]: r["segment"] for r in seg.rows()} == {
        "R01": "EI",
        "R02": "EI",
        **{f"R{i:02d}": "EIII" for i in range(3, 11)},
    }


def test_ties_at_the_cut_all_count() -> None:
    seg = segment_accounts(
        tx(_ranked([1000, 900, 900, 500, 400, 300, 200, 100, 50, 10])), as_of=AS_OF
    )
    high = sorted(r["account_id"] for r in seg.rows() if r["high_contribution"])
    assert high == ["R01", "R02", "R03"]
    assert seg.row("R03")["rank"] == 2  # type: ignore[index]


def test_top_share_times_count_is_not_rounded_up_by_float_error() -> None:
    # 0.2 * 15 = 3.0000000000000004 in floating point: still 3 accounts, not 4.
    seg = segment_accounts(tx(_ranked([2.0**i for i in range(15, 0, -1)])), as_of=AS_OF)
    assert (seg.contribution.mode, seg.contribution.k) == ("rank", 3)
    assert sum(r["high_contribution"] for r in seg.rows()) == 3


def test_small_portfolio_uses_the_average() -> None:
    seg = segment_accounts(tx(_ranked([600.0, 300.0, 300.0])), as_of=AS_OF)
    c = seg.contribution
    assert (c.mode, c.n, c.average) == ("small", 3, 400.0)
    assert [r["high_contribution"] for r in seg.rows()] == [True, False, False]
    assert seg.reasons(seg.row("R01"))[0].text() == (
        "only 3 accounts bought in the window, too few for a top-share split (needs 5): "
        "600 is at or above their average of 400"
    )
    assert seg.reasons(seg.row("R02"))[0].code == "small_low"


def test_single_account_portfolio() -> None:
    seg = segment_accounts(tx(steady("A", 10.0)), as_of=AS_OF)
    assert seg.contribution.mode == "small"
    assert seg.row("A")["segment"] == "EI"  # type: ignore[index]


def test_flat_portfolio_counts_everyone_as_high() -> None:
    seg = segment_accounts(tx(_ranked([1000.0 - 10 * i for i in range(10)])), as_of=AS_OF)
    c = seg.contribution
    assert c.mode == "flat"
    assert c.top_revenue_share == pytest.approx(1990 / 9550)
    assert all(r["high_contribution"] for r in seg.rows())
    assert seg.reasons(seg.row("R10"))[0].text() == (
        "revenue is spread evenly (the top 20% of accounts hold only 21% of it), "
        "so no account is minor: 910 counts as high contribution"
    )


def test_nobody_bought() -> None:
    seg = segment_accounts(
        tx([("A", "2020-01-01", 10.0)]),
        accounts(
            [("A", None, None, None), ("P", "prospect", 1e6, "high"), ("F", None, None, None)]
        ),
        as_of=AS_OF,
    )
    assert seg.contribution.mode == "none"
    assert {r["account_id"]: r["segment"] for r in seg.rows()} == {
        "A": "EIV",
        "F": "F",
        "P": "PIII",
    }
    assert codes(seg, "A")[0] == "no_window_revenue"
    assert codes(seg, "P") == ["expected_no_benchmark", "intent_high"]


def test_no_transactions_needs_an_as_of() -> None:
    with pytest.raises(AdvisorError):
        segment_accounts(tx([]), accounts([("P", "prospect", 1.0, "high")]))


@pytest.mark.parametrize(
    ("expected", "intent", "segment"),
    [
        (900.0, "high", "PI"),  # exactly the smallest high-contribution revenue
        (899.99, "high", "PIII"),
        (900.0, "0.5", "PI"),  # exactly the intent threshold
        (900.0, "0.49", "PII"),
        (900.0, "medium", "PI"),
        (900.0, "low", "PII"),
        (900.0, None, "PII"),
        (None, "high", "PIII"),
        (None, None, "PIV"),
    ],
)
def test_prospect_boundaries(expected: float | None, intent: str | None, segment: str) -> None:
    rows = _ranked([1000.0 - 100 * i for i in range(10)])
    table = accounts(
        [(f"R{i:02d}", None, None, None) for i in range(1, 11)]
        + [("P", "prospect", expected, intent)]
    )
    seg = segment_accounts(tx(rows), table, as_of=AS_OF)
    assert seg.row("P")["segment"] == segment  # type: ignore[index]


def test_prospect_reason_words() -> None:
    rows = _ranked([1000.0 - 100 * i for i in range(10)])
    table = accounts([("P", "prospect", 900.0, "0.2")])
    seg = segment_accounts(tx(rows), table, as_of=AS_OF)
    texts = [r.text() for r in seg.reasons(seg.row("P"))]
    assert texts == [
        "expected annual revenue 900 reaches the smallest top-20% customer (900)",
        "purchase intent '0.2' is low (high needs at least 0.5, or medium/high)",
    ]


def test_stage_rules() -> None:
    table = accounts(
        [
            ("bought", "prospect", 5.0, "high"),  # purchases win over the CRM stage
            ("listed", "existing", None, None),  # existing without purchases: EIV
            ("hinted", None, 500.0, None),  # no stage but an expected revenue: prospect
            ("future", "future", 10.0, "high"),  # an explicit future stage stays F
            ("blank", None, None, None),
        ]
    )
    seg = segment_accounts(tx(steady("bought", 10.0)), table, as_of=AS_OF)
    kinds = {r["account_id"]: (r["kind"], r["segment"]) for r in seg.rows()}
    assert kinds == {
        "blank": ("future", "F"),
        "bought": ("existing", "EI"),
        "future": ("future", "F"),
        "hinted": ("prospect", "PII"),
        "listed": ("existing", "EIV"),
    }
    assert codes(seg, "bought")[0] == "stage_override"
    assert codes(seg, "listed") == ["no_purchases", "active_low"]
    assert codes(seg, "blank") == ["future_customer"]


def test_too_new_is_unstable() -> None:
    rows = _ranked([500.0] * 9) + monthly("N", {9: 1000.0, 10: 1000.0, 11: 1000.0})
    seg = segment_accounts(tx(rows), as_of=AS_OF)
    n = seg.row("N")
    assert n is not None and n["trend_ratio"] is None and n["segment"] == "EII"
    assert codes(seg, "N") == ["top_rank", "active_low", "too_new"]


def test_off_season_dip_keeps_a_seasonal_account_stable() -> None:
    season = {i: 100.0 for i in range(-12, 12)}
    for i in (-3, -2, -1, 9, 10, 11):  # Aug-Oct low in both years
        season[i] = 20.0
    declining = {i: 100.0 for i in range(-12, 12)} | {9: 20.0, 10: 20.0, 11: 20.0}
    one_year = {i: 100.0 for i in range(12)} | {9: 20.0, 10: 20.0, 11: 20.0}
    rows = monthly("season", season) + monthly("decline", declining) + monthly("new", one_year)
    seg = segment_accounts(tx(rows), as_of=AS_OF)
    s, d, n = seg.row("season"), seg.row("decline"), seg.row("new")
    assert s["trend_ratio"] == d["trend_ratio"] == pytest.approx(60 / 300)  # type: ignore[index]
    assert s["stable"] and s["seasonal_dip"]  # type: ignore[index]
    assert not d["stable"] and not n["stable"]  # type: ignore[index]
    assert codes(seg, "season")[-1] == "trend_seasonal"
    assert codes(seg, "decline")[-1] == "trend_low"
    assert s["stability_score"] >= 1.0 > d["stability_score"]  # type: ignore[index]


def test_seasonal_tolerance_boundary() -> None:
    base = {i: 100.0 for i in range(-12, 12)}
    exact = base | {-3: 25.0, -2: 25.0, -1: 25.0, 9: 20.0, 10: 20.0, 11: 20.0}  # 60/75 = 0.8
    under = base | {-3: 25.1, -2: 25.0, -1: 25.0, 9: 20.0, 10: 20.0, 11: 20.0}
    seg = segment_accounts(tx(monthly("exact", exact) + monthly("under", under)), as_of=AS_OF)
    assert seg.row("exact")["stable"] is True  # type: ignore[index]
    assert seg.row("under")["stable"] is False  # type: ignore[index]


def test_config_from_env_and_validation() -> None:
    config = Settings.from_env(
        {"ADVISOR_SEGMENT_TOP_SHARE": "0.3", "ADVISOR_SEGMENT_WINDOW_MONTHS": "6"}
    ).segments
    assert (config.top_share, config.window_months, config.stable_months) == (0.3, 6, 5)
    with pytest.raises(ConfigError):
        Settings.from_env({"ADVISOR_SEGMENT_TOP_SHARE": "lots"})
    with pytest.raises(ConfigError):
        SegmentConfig(top_share=0.0)
    with pytest.raises(ConfigError):
        SegmentConfig(window_months=3)


def test_custom_window_and_share() -> None:
    rows = _ranked([1000.0 - 100 * i for i in range(10)])
    seg = segment_accounts(
        tx(rows), as_of=AS_OF, config=SegmentConfig(top_share=0.5, window_months=6)
    )
    assert seg.contribution.k == 5
    # Steady accounts: half a year of purchases in a six-month window.
    assert seg.row("R01")["revenue"] == pytest.approx(500.0)  # type: ignore[index]
    assert all(r["stable"] for r in seg.rows())
