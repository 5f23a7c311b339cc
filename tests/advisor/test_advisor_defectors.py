"""The defector study on hand-built histories: who left, who is slipping, and why."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner

from advisor.accounts.portfolio import analyse
from advisor.cli import main
from advisor.defector_text import report_text
from advisor.defectors import FULL, NO_RECORDED_CAUSE, PARTIAL, defector_report
from tests.accounts.helpers_accounts import AS_OF, events, month_day, monthly, steady, tx


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
    evts = events([
        ("G1", "2026-08-10", "competitor_offer", None, "a rival offered 10% off"),
        ("G1", "2026-09-01", "complaint", None, "late deliveries"),
        ("G1", "2026-09-20", "lost", None, "moved to the rival"),
        ("P1", "2026-09-05", "satisfaction", 2.0, None),
        ("P1", "2026-01-05", "overdue", 5000.0, "an old invoice"),  # outside the lookback
        ("B1", "2026-09-05", "complaint", None, "not a defector, not counted"),
    ])
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
    assert causes == {"competitor_offer": 1, "complaint": 1, "low_satisfaction": 1, NO_RECORDED_CAUSE: 1}


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
    runner.invoke(main, ["import", "--accounts", str(folder / "accounts.csv"),
                         "--transactions", str(folder / "transactions.csv"),
                         "--events", str(folder / "events.csv")])
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
