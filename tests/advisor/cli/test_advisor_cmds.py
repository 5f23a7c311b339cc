"""`advisor ask`, `brief`, `demo` through the real CLI (fake embedder, temporary home)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from advisor.accounts.sample import sample_dir
from advisor.cli import main


@pytest.fixture
def home(advisor_home, use_fake_embedder) -> CliRunner:
    runner = CliRunner()
    assert runner.invoke(main, ["ingest"]).exit_code == 0
    folder = sample_dir()
    result = runner.invoke(
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
    assert result.exit_code == 0, result.output
    return runner


def test_ask_json_contract(home) -> None:
    result = home.invoke(main, ["ask", "ABC Trading cut its orders by half — what now?", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"answer", "language", "actions", "citations"} <= set(data)
    assert data["language"] == "en" and data["account_id"] == "A001"
    assert all({"source", "text"} <= set(c) for c in data["citations"])


def test_ask_with_account_and_lang_options(home) -> None:
    result = home.invoke(main, ["ask", "What next?", "--account", "A003", "--lang", "zh"])
    assert result.exit_code == 0
    assert "华东贸易有限公司" in result.stdout and "建议这样做" in result.stdout


def test_ask_about_an_unknown_account_is_a_clear_error(home) -> None:
    result = home.invoke(main, ["ask", "What next?", "--account", "NOPE"])
    assert result.exit_code == 1 and "no account 'NOPE'" in result.stderr
    assert "Traceback" not in result.output


def test_brief_markdown_json_and_chart(home, tmp_path) -> None:
    chart = tmp_path / "c.png"
    result = home.invoke(main, ["brief", "A001", "--chart", str(chart)])
    assert result.exit_code == 0 and result.stdout.startswith("# Account brief: ABC Trading")
    assert chart.exists()
    data = json.loads(home.invoke(main, ["brief", "A001", "--lang", "ko", "--json"]).stdout)
    assert data["segment"] == "EII" and data["markdown"].startswith("# 고객 브리프")


def test_brief_of_at_risk_accounts_for_one_rep(home) -> None:
    result = home.invoke(main, ["brief", "--at-risk", "--owner", "kim.minji"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# At-risk accounts of kim.minji")
    assert "ABC Trading" in result.stdout
    data = json.loads(home.invoke(main, ["brief", "--at-risk", "--json"]).stdout)
    assert len(data["briefs"]) >= 5


def test_brief_without_accounts_says_how_to_load_them(advisor_home, use_fake_embedder) -> None:
    runner = CliRunner()
    runner.invoke(main, ["ingest"])
    result = runner.invoke(main, ["brief", "A001"])
    assert result.exit_code == 1 and "advisor import" in result.stderr


def test_demo_runs_end_to_end(advisor_home, use_fake_embedder) -> None:
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "# Account brief: ABC Trading (A001)" in result.stdout
    assert "권장 조치" in result.stdout  # the Korean answer
    assert (advisor_home / "demo" / "A001-revenue.png").exists()
