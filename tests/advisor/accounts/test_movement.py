"""Segment movement a quarter back, rep time allocation, and the portfolio summary."""

from __future__ import annotations

import datetime as dt

import pytest

from advisor.accounts.allocation import WEIGHTS, time_allocation
from advisor.accounts.movement import Move, movement_matrix, quarter_earlier
from advisor.accounts.portfolio import analyse
from tests.fakes.accounts import AS_OF, accounts, monthly, steady, tx


def _portfolio() -> list:
    rows: list = []
    for i in range(8):
        rows += steady(f"small{i}", 10.0)
    # Top and steady until the last quarter, then buys in one month only: EI -> EII.
    rows += monthly("top", {i: 1000.0 for i in range(9)} | {11: 100.0})
    rows += steady("big", 900.0)
    return rows


def test_quarter_earlier() -> None:
    assert quarter_earlier(AS_OF) == dt.date(2026, 7, 31)
    assert quarter_earlier(dt.date(2026, 5, 31)) == dt.date(2026, 2, 28)


def test_ei_to_eii_is_an_alarm() -> None:
    analysis = analyse(tx(_portfolio()), as_of=AS_OF)
    assert analysis.before.as_of == dt.date(2026, 7, 31)
    move = analysis.moves["top"]
    assert (move.before, move.now, move.direction, move.alarm) == ("EI", "EII", "down", True)
    record = analysis.account("top")
    assert (record["previous_segment"], record["segment"], record["alarm"]) == ("EI", "EII", True)
    assert analysis.moves["big"].direction == "same"
    summary = analysis.summary()
    assert summary["alarms"] == [
        {"account_id": "top", "name": "top", "owner": None, "from": "EI", "to": "EII"}
    ]
    assert summary["movements"][0] == {"from": "EI", "to": "EII", "accounts": 1, "alarm": True}


@pytest.mark.parametrize(
    ("before", "now", "direction", "alarm"),
    [
        ("EI", "EII", "down", True),
        ("EI", "EIII", "down", True),
        ("EII", "EIV", "down", True),
        ("EIII", "EIV", "down", False),
        ("EIV", "EI", "up", False),
        ("EII", "EIII", "down", False),
        ("PI", "EIII", "converted", False),
        ("F", "PII", "up", False),
        ("EIII", "F", "down", False),
        (None, "EI", "new", False),
        ("EI", "EI", "same", False),
    ],
)
def test_move_directions(before: str | None, now: str, direction: str, alarm: bool) -> None:
    move = Move("x", before, now)
    assert (move.direction, move.alarm) == (direction, alarm)


def test_movement_matrix_orders_alarms_first() -> None:
    moves = {
        "a": Move("a", "EIII", "EIV"),
        "b": Move("b", "EIII", "EIV"),
        "c": Move("c", "EI", "EII"),
        "d": Move("d", "EI", "EI"),
    }
    assert movement_matrix(moves) == [
        {"from": "EI", "to": "EII", "accounts": 1, "alarm": True},
        {"from": "EIII", "to": "EIV", "accounts": 2, "alarm": False},
    ]


def test_a_prospect_that_starts_buying_converts() -> None:
    rows = _portfolio() + monthly("newbie", {10: 50.0, 11: 50.0})
    table = accounts([("newbie", "prospect", 1e6, "high")])
    analysis = analyse(tx(rows), table, as_of=AS_OF)
    move = analysis.moves["newbie"]
    assert (move.before, move.now, move.direction) == ("PI", "EIV", "converted")


def test_time_allocation_by_hand() -> None:
    rows = [
        {"account_id": "a", "owner": "kim", "segment": "EII", "revenue": 10.0},
        {"account_id": "b", "owner": "kim", "segment": "EI", "revenue": 50.0},
        {"account_id": "c", "owner": "kim", "segment": "EI", "revenue": 60.0},
        {"account_id": "d", "owner": "kim", "segment": "EIV", "revenue": 1.0},
        {"account_id": "e", "owner": None, "segment": "F", "revenue": 0.0},
    ]
    none, kim = time_allocation(rows, hours_per_week=40)  # sorted by owner
    # weights: EII 4 + EI 3 x 2 + EIV 0.5 = 10.5
    assert kim.owner == "kim" and kim.accounts == 4
    table = {s.segment: (s.accounts, s.share, s.hours, s.hours_per_account) for s in kim.segments}
    assert table == {
        "EII": (1, round(4 / 10.5, 4), round(40 * 4 / 10.5, 1), round(40 * 4 / 10.5, 2)),
        "EI": (2, round(6 / 10.5, 4), round(40 * 6 / 10.5, 1), round(40 * 3 / 10.5, 2)),
        "EIV": (1, round(0.5 / 10.5, 4), round(40 * 0.5 / 10.5, 1), round(40 * 0.5 / 10.5, 2)),
    }
    assert [s.segment for s in kim.segments] == ["EII", "EI", "EIV"]  # most urgent first
    assert kim.focus == ["a", "c", "b"]  # EII first, then EI by revenue
    assert none.owner == "(none)" and none.segments[0].share == 1.0


def test_weights_follow_the_sources_order() -> None:
    # EII most urgent, EI long-term plan, EIII regular visits, EIV least.
    assert WEIGHTS["EII"] > WEIGHTS["EI"] > WEIGHTS["EIII"] > WEIGHTS["EIV"]
    assert WEIGHTS["PI"] > WEIGHTS["PII"] > WEIGHTS["PIII"] >= WEIGHTS["PIV"]


def test_summary_counts_revenue_and_risk() -> None:
    analysis = analyse(tx(_portfolio()), as_of=AS_OF)
    summary = analysis.summary()
    by_segment = {s["segment"]: s for s in summary["segments"]}
    assert by_segment["EII"]["accounts"] == 1 and by_segment["EII"]["revenue"] == 9100.0
    assert by_segment["EI"]["revenue"] == 10800.0
    assert summary["revenue"] == 9100.0 + 10800.0 + 8 * 120.0
    assert summary["at_risk"]["accounts"] == 1
    assert summary["at_risk"]["revenue"] == 9100.0
    assert summary["at_risk"]["by_risk"] == {"sharp_decline": 1}
    assert summary["contribution"]["mode"] == "rank"
    assert analysis.summary(owner="nobody")["accounts"] == 0
