"""The managers' weekly digest: movements against a week-old snapshot (or the quarter),
revenue at risk, reps' visits against the guidance; in three languages and from the CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from click.testing import CliRunner

from advisor.accounts.sample import sample_dir
from advisor.alerts.rules import snapshot_of
from advisor.alerts.service import visits_of
from advisor.cli import main
from advisor.reports.digest import build_digest, digest_parts, digest_text


def test_without_a_week_old_snapshot_the_quarters_movements_are_shown(sample_directory) -> None:
    digest = build_digest(sample_directory.analysis, visits_of(sample_directory.store))
    moves = digest["movements"]
    assert moves["period"] == "quarter" and moves["since"] == "2026-07-31"
    assert {
        "account_id": "A001",
        "name": "ABC Trading",
        "owner": "kim.minji",
        "from": "EI",
        "to": "EII",
    } in moves["alarms"]
    assert digest["at_risk"]["accounts"] > 0 and digest["at_risk"]["top"]
    assert json.loads(json.dumps(digest)) == digest  # JSON-able as it is


def test_movements_are_counted_against_the_week_old_snapshot(sample_directory) -> None:
    week_ago = snapshot_of(sample_directory.analysis, dt.date(2026, 10, 26))
    accounts = dict(week_ago.accounts)
    accounts["A001"] = dataclasses.replace(accounts["A001"], segment="EI")
    accounts["A002"] = dataclasses.replace(accounts["A002"], segment="EII")
    digest = build_digest(
        sample_directory.analysis, [], dataclasses.replace(week_ago, accounts=accounts)
    )
    moves = digest["movements"]
    assert moves["period"] == "week" and moves["since"] == "2026-10-26"
    assert moves["matrix"] == [
        {"from": "EI", "to": "EII", "accounts": 1, "alarm": True},
        {"from": "EII", "to": "EI", "accounts": 1, "alarm": False},
    ]
    assert [a["account_id"] for a in moves["alarms"]] == ["A001"]


def test_visits_are_set_against_the_guidance(sample_directory) -> None:
    as_of = sample_directory.analysis.as_of
    rows = sample_directory.analysis.rows("kim.minji")
    eiii = [r["account_id"] for r in rows if r["segment"] == "EIII"][:3]
    visits = [(account, as_of - dt.timedelta(days=n)) for n, account in enumerate(eiii * 3)]
    visits.append((eiii[0], as_of - dt.timedelta(days=200)))  # too old to count
    digest = build_digest(sample_directory.analysis, visits, owner="kim.minji")
    [rep] = digest["allocation"]
    assert rep["owner"] == "kim.minji" and rep["visits"] == 9
    by_segment = {s["segment"]: s for s in rep["segments"]}
    assert by_segment["EIII"]["visit_share"] == 1.0 and by_segment["EII"]["visits"] == 0
    assert "EII" in rep["under_served"]  # the most urgent segment got no visit
    text = digest_text(digest, "en")
    assert "kim.minji's accounts" in text and "⚠ EII gets 0% of the visits" in text


def test_the_digest_reads_in_each_language(sample_directory) -> None:
    digest = build_digest(sample_directory.analysis, visits_of(sample_directory.store))
    ko = "\n".join(digest_parts(digest, "ko"))
    zh = "\n".join(digest_parts(digest, "zh"))
    hant = "\n".join(digest_parts(digest, "zh", traditional=True))
    assert "주간 요약" in ko and "위험 매출" in ko and "매출 급감" in ko
    assert "每周摘要" in zh and "风险营收" in zh and "销售骤降" in zh
    assert "每週摘要" in hant and "風險營收" in hant


def test_advisor_digest_prints_the_digest_or_json(advisor_home) -> None:
    runner = CliRunner()
    folder = sample_dir()
    empty = runner.invoke(main, ["digest"])
    assert empty.exit_code == 1 and "no account data yet" in empty.output
    imported = runner.invoke(
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
    assert imported.exit_code == 0, imported.output
    text = runner.invoke(main, ["digest", "--lang", "ko"])
    assert text.exit_code == 0 and "주간 요약 — 전체 고객" in text.output
    mine = runner.invoke(main, ["digest", "--owner", "wang.lei", "--json"])
    data = json.loads(mine.output)
    assert data["owner"] == "wang.lei" and [r["owner"] for r in data["allocation"]] == ["wang.lei"]
    unknown = runner.invoke(main, ["digest", "--owner", "nobody"])
    assert unknown.exit_code == 1 and "no account has owner 'nobody'" in unknown.output
