"""The defector study on hand-built histories: who left, who is slipping, and why."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.accounts.portfolio import analyse
from advisor.cli import main
from advisor.reports.defector_text import report_text
from advisor.reports.defectors import FULL, NO_RECORDED_CAUSE, PARTIAL, defector_report
from tests.fakes.accounts import AS_OF, events, month_day, monthly, steady, tx


def _portfolio():
    rows = []
    # Six steady accounts keep the portfolio's shape; B1 is the biggest.
    rows += steady("B1", 9000)
    for i, amount in enumerate((5000, 4000, 3000, 2000, 1000)):
        rows += steady(f"S{i}", amount)
    # L1: a big steady buyer that stopped after window month 5 (April 2026): lapsed.
    rows += monthly("L1", {i: 8000 for i in range(-12, 6)})
    # G1: stopped after month 9 and was marked lost on 2026-09-20.
    rows += monthly("G1", {i: 7000 for i in range(-12, 10)})
    # P1: buys every month, but the last quarter fell to a third: partial defection.
    rows += monthly("P1", {**{i: 6000 for i in range(-12, 9)}, 9: 2000, 10: 2000, 11: 2000})
    history = tx(rows)
    evts = events(
        [
            ("G1", "2026-08-10", "competitor_offer", None, "a rival offered 10% off"),
            ("G1", "2026-09-01", "complaint", None, "late deliveries"),
            ("G1", "2026-09-20", "lost", None, "moved to the rival"),
            ("P1", "2026-09-05", "satisfaction", 2.0, None),
            ("P1", "2026-01-05", "overdue", 5000.0, "an old invoice"),  # outside the lookback
            ("B1", "2026-09-05", "complaint", None, "not a defector, not counted"),
        ]
    )
    return analyse(history, None, evts, AS_OF), evts


def test_full_and_partial_defectors_are_found_with_their_dates() -> None:
    analysis, evts = _portfolio()
    report = defector_report(analysis, evts)
    kinds = {d.account_id: (d.kind, d.date) for d in report.defectors}
    assert kinds["G1"] == (FULL, dt.date(2026, 9, 20))  # the lost event's date
    assert kinds["L1"] == (FULL, month_day(5))  # the last purchase
    assert kinds["P1"][0] == PARTIAL
    assert not {"B1", "S0", "S1", "S2", "S3", "S4"} & set(kinds)


def test_events_before_a_loss_explain_it_and_old_ones_do_not() -> None:
    analysis, evts = _portfolio()
    by_id = {d.account_id: d for d in defector_report(analysis, evts).defectors}
    assert by_id["G1"].causes == ("competitor_offer", "complaint")
    assert by_id["P1"].causes == ("low_satisfaction",)  # the January overdue is too old
    assert by_id["L1"].causes == (NO_RECORDED_CAUSE,)


def test_causes_are_counted_most_frequent_first() -> None:
    analysis, evts = _portfolio()
    causes = defector_report(analysis, evts).causes
    assert causes == {
        "competitor_offer": 1,
        "complaint": 1,
        "low_satisfaction": 1,
        NO_RECORDED_CAUSE: 1,
    }


def test_rates_use_the_segment_held_a_quarter_earlier() -> None:
    analysis, evts = _portfolio()
    report = defector_report(analysis, evts)
    before = {r["account_id"]: r["segment"] for r in analysis.before.frame.to_dicts()}
    for rate in report.rates:
        held = sum(1 for s in before.values() if s == rate.segment)
        assert rate.accounts == held
    assert sum(r.full for r in report.rates) == 2 and sum(r.partial for r in report.rates) == 1


def test_since_keeps_only_later_defections() -> None:
    analysis, evts = _portfolio()
    report = defector_report(analysis, evts, since=dt.date(2026, 9, 1))
    assert {d.account_id for d in report.defectors} == {"G1"}


def test_interview_list_puts_full_defectors_first_by_revenue() -> None:
    analysis, evts = _portfolio()
    order = [d.account_id for d in defector_report(analysis, evts).to_interview()]
    assert order.index("P1") > max(order.index("G1"), order.index("L1"))


def test_report_text_in_three_languages() -> None:
    analysis, evts = _portfolio()
    report = defector_report(analysis, evts)
    steps = ["step one", "step two"]
    assert "Full defectors" in report_text(report, steps, "en")
    assert "완전 이탈" in report_text(report, steps, "ko")
    assert "完全叛离" in report_text(report, steps, "zh")
    assert "- [ ] step one" in report_text(report, steps, "en")


def test_cli_on_the_sample_portfolio(advisor_home, tmp_path) -> None:
    from advisor.accounts.sample import sample_dir

    runner = CliRunner()
    folder = sample_dir()
    runner.invoke(
        main,
        [
            "import",
            "--accounts",
            str(folder / "accounts.csv"),
            "--transactions",
            str(folder / "transactions.csv"),
            "--events",
            str(folder / "events.csv"),
        ],
    )
    chart = tmp_path / "defectors.png"
    result = runner.invoke(main, ["defectors", "--json", "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    full = {d["account_id"] for d in data["full"]}
    assert {"A005", "A007"} <= full  # lapsed and lost
    assert "A001" in {d["account_id"] for d in data["partial"]}
    assert len(data["study"]["steps"]) == 6 and data["study"]["interview"]
    assert chart.read_bytes()[:4] == b"\x89PNG"
    bad = runner.invoke(main, ["defectors", "--since", "yesterday"])
    assert bad.exit_code == 1 and "not a date" in bad.stderr


# ---- collapsed accounts: no last quarter down by more than 90% escapes -------------


def _collapses():
    rows = []
    rows += steady("B1", 9000)
    for i, amount in enumerate((5000, 4000, 3000, 2000, 1000)):
        rows += steady(f"S{i}", amount)
    # C1 (the case): about 140,000 a month for nine months, then one order of
    # 4,000 in the last quarter, 54 days before the as-of date. Last quarter 4,000
    # against an earlier quarter of 420,000: down 99%. Not lapsed (54 days, under
    # three of its usual gaps), not a partial defector by the signal (1 of 3 months).
    rows += monthly("C1", {i: 140000 for i in range(9)}) + [("C1", dt.date(2026, 9, 7), 4000)]
    # C2: bought 60,000 every other month, last in July: nothing in the last quarter,
    # yet 108 days of silence is under three of its 61-day gaps: not lapsed either.
    rows += monthly("C2", {i: 60000 for i in range(-12, 9, 2)})
    # D1: one order in the last quarter at 30% of before: a sharp decline, not a collapse.
    rows += monthly("D1", {i: 100000 for i in range(9)}) + [("D1", month_day(10), 90000)]
    evts = events(
        [
            ("C1", "2026-09-20", "competitor_offer", None, "a rival took the range"),
        ]
    )
    return analyse(tx(rows), None, evts, AS_OF), evts


def test_an_account_whose_orders_collapsed_is_a_full_defector() -> None:
    analysis, evts = _collapses()
    codes = {r.code for r in analysis.risks["C1"]}
    assert "sharp_decline" in codes and not {"lapsed", "partial_defection"} & codes
    by_id = {d.account_id: d for d in defector_report(analysis, evts).defectors}
    c1 = by_id["C1"]
    assert (c1.kind, c1.signal) == (FULL, "collapsed")
    assert c1.date == dt.date(2026, 8, 1)  # the start of the quarter it collapsed in
    assert c1.causes == ("competitor_offer",)  # an offer during the collapse explains it
    assert c1.lost_revenue == 420000 - 4000
    assert c1.as_json()["last_quarter_ratio"] == round(4000 / 420000, 4)


def test_a_buyer_with_long_gaps_that_stopped_is_a_full_defector() -> None:
    analysis, evts = _collapses()
    assert "C2" not in analysis.risks or not {r.code for r in analysis.risks["C2"]} & {
        "lapsed",
        "sharp_decline",
        "partial_defection",
    }
    c2 = {d.account_id: d for d in defector_report(analysis, evts).defectors}["C2"]
    assert (c2.kind, c2.signal, c2.date) == (FULL, "collapsed", month_day(8))


def test_a_sharp_decline_with_one_order_is_a_partial_defector() -> None:
    analysis, evts = _collapses()
    d1 = {d.account_id: d for d in defector_report(analysis, evts).defectors}["D1"]
    assert (d1.kind, d1.signal) == (PARTIAL, "sharp_decline")
    assert {d.account_id for d in defector_report(analysis, evts).defectors} == {"C1", "C2", "D1"}


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    monthly_amount=st.integers(1000, 200000),
    earlier=st.sets(st.integers(0, 8), min_size=1),
    last_quarter=st.lists(
        st.tuples(st.integers(9, 11), st.integers(1, 28), st.floats(0, 1)), max_size=3
    ),
    share=st.floats(0, 0.0999),
)
def test_no_account_whose_last_quarter_fell_by_more_than_90_percent_escapes(
    monthly_amount: int,
    earlier: set[int],
    last_quarter: list[tuple[int, int, float]],
    share: float,
) -> None:
    rows = steady("B1", 9000) + steady("S0", 5000) + steady("S1", 3000)
    rows += monthly("X", {i: monthly_amount for i in earlier})
    # Orders in the last quarter adding up to under a tenth of the earlier average quarter.
    budget = share * monthly_amount * len(earlier) / 3
    weights = sum(w for *_, w in last_quarter) or 1.0
    for month, day, weight in last_quarter:
        amount = budget * weight / weights
        if amount > 0:
            rows.append(("X", month_day(month, day), amount))
    analysis = analyse(tx(rows), None, events([]), AS_OF)
    row = analysis.now.row("X")
    assert row is not None and row["trend_ratio"] < 0.1
    assert "X" in {d.account_id for d in defector_report(analysis, events([])).defectors}


def test_report_text_says_why_each_account_is_a_defector() -> None:
    analysis, evts = _collapses()
    report = defector_report(analysis, evts)
    assert "orders collapsed: last quarter 1% of its earlier average" in report_text(
        report, [], "en"
    )
    assert "주문 급감: 최근 분기 구매가 이전 분기 평균의 1%" in report_text(report, [], "ko")
    assert "订单骤降：最近一个季度的采购额仅为此前季度平均的 1%" in report_text(report, [], "zh")
    assert "sharp decline: last quarter 30% of its earlier average" in report_text(report, [], "en")
