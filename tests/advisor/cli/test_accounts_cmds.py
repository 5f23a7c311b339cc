"""`advisor import`, `segment` and `portfolio` through click, with ADVISOR_HOME in tmp."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.accounts.sample import sample_dir
from advisor.cli import main


@pytest.fixture
def runner(home: Path) -> CliRunner:
    return CliRunner()


def _import_sample(runner: CliRunner, *extra: str) -> object:
    d = sample_dir()
    return runner.invoke(
        main,
        [
            "import",
            "--accounts",
            str(d / "accounts.csv"),
            "--transactions",
            str(d / "transactions.csv"),
            "--events",
            str(d / "events.csv"),
            *extra,
        ],
    )


def test_import_counts_json_and_idempotence(runner: CliRunner, home: Path) -> None:
    first = _import_sample(runner, "--json")
    assert first.exit_code == 0, first.output
    counts = json.loads(first.stdout)
    assert counts["accounts"]["inserted"] == 301
    assert counts["transactions"]["inserted"] > 5000
    assert (home / "advisor.db").exists()
    again = _import_sample(runner, "--json")
    assert all(c["inserted"] == c["updated"] == 0 for c in json.loads(again.stdout).values())
    human = _import_sample(runner)
    assert human.stdout.splitlines()[0].split() == ["table", "inserted", "updated", "unchanged"]


def test_import_errors_exit_1_and_store_nothing(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "t.csv"
    bad.write_text("account_id,date,amount\nA1,2026-01-01,5\n", encoding="utf-8")
    result = runner.invoke(main, ["import", "--transactions", str(bad), "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: import rejected, nothing stored:\n"
        f"{bad}:2: unknown account 'A1' (not in the accounts file nor the store)\n"
    )
    nothing = runner.invoke(main, ["import"])
    assert nothing.exit_code == 1 and nothing.stderr.startswith("error: nothing to import")


def test_segment_json_shape(runner: CliRunner) -> None:
    _import_sample(runner)
    result = runner.invoke(main, ["segment", "--json", "--lang", "ko"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 301
    abc = next(r for r in rows if r["account_id"] == "A001")
    assert {
        "account_id",
        "name",
        "owner",
        "segment",
        "previous_segment",
        "reasons",
        "risks",
        "metrics",
    } <= set(abc)
    assert (abc["previous_segment"], abc["segment"]) == ("EI", "EII")
    assert all(isinstance(r, str) for r in abc["reasons"])
    assert abc["reasons"][0].startswith("매출 상위 20%")
    assert {"code", "severity", "evidence"} <= set(abc["risks"][0])
    assert abc["metrics"]["window_months"] == 12 and abc["metrics"]["revenue"] > 0


def test_segment_filters_and_text(runner: CliRunner) -> None:
    _import_sample(runner)
    result = runner.invoke(main, ["segment", "--owner", "kim.minji", "--segment", "EII", "-v"])
    assert result.exit_code == 0, result.stderr
    assert "A001" in result.stdout and "ABC Trading" in result.stdout
    assert "partial defection" in result.stdout
    assert "wang.lei" not in result.stdout
    earlier = runner.invoke(main, ["segment", "--as-of", "2026-07-31", "--json"])
    abc = next(r for r in json.loads(earlier.stdout) if r["account_id"] == "A001")
    assert abc["segment"] == "EI"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["segment", "--as-of", "2026-13-01"],
            "error: --as-of '2026-13-01' is not a date (YYYY-MM-DD)",
        ),
        (["segment", "--lang", "fr"], "error: unknown language 'fr': choose one of en, ko, zh"),
        (["portfolio", "--lang", "de"], "error: unknown language 'de': choose one of en, ko, zh"),
    ],
)
def test_bad_options(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert result.stderr.strip() == message


def test_segment_config_from_environment(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import_sample(runner)
    monkeypatch.setenv("ADVISOR_SEGMENT_TOP_SHARE", "0.5")
    rows = json.loads(runner.invoke(main, ["segment", "--json"]).stdout)
    assert rows[0]["reasons"][0].startswith("top 50%") or "50%" in rows[0]["reasons"][0]
    monkeypatch.setenv("ADVISOR_SEGMENT_TOP_SHARE", "many")
    bad = runner.invoke(main, ["segment"])
    assert bad.exit_code == 1 and "ADVISOR_SEGMENT_TOP_SHARE" in bad.stderr


def test_portfolio_json_and_chart(runner: CliRunner, tmp_path: Path) -> None:
    _import_sample(runner)
    chart = tmp_path / "p.png"
    result = runner.invoke(main, ["portfolio", "--json", "--chart", str(chart), "--lang", "zh"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["as_of"] == "2026-10-31"
    assert {s["segment"] for s in summary["segments"]} == {
        "EI",
        "EII",
        "EIII",
        "EIV",
        "PI",
        "PII",
        "PIII",
        "PIV",
        "F",
    }
    assert sum(s["accounts"] for s in summary["segments"]) == 301
    assert {"from": "EI", "to": "EII", "accounts": 2, "alarm": True} in summary["movements"]
    assert any(a["account_id"] == "A001" for a in summary["alarms"])
    assert summary["at_risk"]["revenue"] > 0
    assert {a["owner"] for a in summary["allocation"]} == {
        "chen.jing",
        "kim.minji",
        "lee.junho",
        "smith.anna",
        "wang.lei",
    }
    assert summary["chart"] == str(chart)
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = runner.invoke(main, ["portfolio", "--owner", "kim.minji"])
    assert "time allocation per rep" in text.stdout and "kim.minji" in text.stdout


def test_empty_store(runner: CliRunner) -> None:
    result = runner.invoke(main, ["portfolio", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["accounts"] == 0
    assert json.loads(runner.invoke(main, ["segment", "--json"]).stdout) == []
