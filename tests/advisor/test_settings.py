"""Settings at the edges: a wrong value is one line naming its variable; `.env` is read.

The CLI runs as a user runs it: in-process through click for the errors, in a
fresh interpreter for `.env` (it fills the process environment).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import main


@pytest.fixture
def clean_env(advisor_home, tmp_path, monkeypatch) -> Path:
    """A temporary home, no ADVISOR_* or TELEGRAM_* settings, and a directory without .env."""
    for name in list(os.environ):
        if name.startswith(("ADVISOR_", "TELEGRAM_")) and name != "ADVISOR_HOME":
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"ADVISOR_LLM_TIMEOUT": "abc"},
            "error: ADVISOR_LLM_TIMEOUT='abc' is not a number of seconds",
        ),
        ({"ADVISOR_LLM_TIMEOUT": "0"}, "error: ADVISOR_LLM_TIMEOUT='0' is not a number of seconds"),
        (
            {"ADVISOR_LLM_TIMEOUT": "nan"},
            "error: ADVISOR_LLM_TIMEOUT='nan' is not a number of seconds",
        ),
        (
            {"ADVISOR_LLM": "openai:gpt-4o-mini", "OPENAI_API_KEY": None},
            "error: ADVISOR_LLM='openai:gpt-4o-mini' needs OPENAI_API_KEY (or ADVISOR_LLM_API_KEY)",
        ),
        (
            {"ADVISOR_LLM": "gpt-4o-mini", "OPENAI_API_KEY": None},
            "error: ADVISOR_LLM='gpt-4o-mini' needs OPENAI_API_KEY",
        ),
        ({"ADVISOR_LLM": "openai:"}, "error: ADVISOR_LLM='openai:' is not provider:model"),
        (
            {"ADVISOR_LLM": "m", "ADVISOR_LLM_BASE_URL": "localhost:11434/v1"},
            "error: ADVISOR_LLM_BASE_URL='localhost:11434/v1' is not an http(s) URL",
        ),
        (
            {"ADVISOR_CHROMA_URL": "chroma.internal:8000"},
            "error: ADVISOR_CHROMA_URL='chroma.internal:8000' is not an http(s) URL",
        ),
        (
            {"ADVISOR_CHROMA_URL": "http://host:port"},
            "error: ADVISOR_CHROMA_URL='http://host:port' is not an http(s) URL",
        ),
        (
            {"ADVISOR_DATABASE_URL": "advisor:secret@db.internal/advisor"},
            "error: ADVISOR_DATABASE_URL='***@db.internal/advisor' is not a database URL",
        ),
        ({"ADVISOR_EMBEDDER": "bert"}, "error: ADVISOR_EMBEDDER='bert' is not an embedder"),
        (
            {"ADVISOR_SEGMENT_WINDOW_MONTHS": "3"},
            "error: ADVISOR_SEGMENT_WINDOW_MONTHS='3': segment window_months must be at least 6",
        ),
        (
            {"ADVISOR_SEGMENT_WINDOW_MONTHS": "12.5"},
            "error: ADVISOR_SEGMENT_WINDOW_MONTHS='12.5' is not a whole number",
        ),
        ({"ADVISOR_SEGMENT_TOP_SHARE": "1.5"}, "error: ADVISOR_SEGMENT_TOP_SHARE='1.5': segment"),
        (
            {"ADVISOR_SEGMENT_STABLE_TREND_RATIO": "inf"},
            "error: ADVISOR_SEGMENT_STABLE_TREND_RATIO='inf' is not a finite number",
        ),
    ],
    ids=lambda v: "-".join(f"{k}={v}" for k, v in v.items()) if isinstance(v, dict) else "",
)
def test_a_wrong_setting_is_one_line_naming_its_variable(clean_env, env, expected) -> None:
    result = CliRunner().invoke(main, ["segment", "--json"], env=env)
    assert _one_line_error(result).startswith(expected)


def test_secrets_stay_out_of_setting_errors(clean_env) -> None:
    env = {
        "ADVISOR_LLM": "openai:gpt-4o-mini",
        "ADVISOR_LLM_API_KEY": "sk-very-secret",
        "ADVISOR_LLM_TIMEOUT": "soon",
    }
    line = _one_line_error(CliRunner().invoke(main, ["segment"], env=env))
    assert line.startswith("error: ADVISOR_LLM_TIMEOUT") and "sk-very-secret" not in line


def test_a_home_that_is_a_file_is_a_one_line_error(clean_env, advisor_home) -> None:
    advisor_home.parent.mkdir(parents=True, exist_ok=True)
    advisor_home.write_text("not a directory")
    line = _one_line_error(CliRunner().invoke(main, ["segment"]))
    assert line.startswith("error: ADVISOR_HOME=") and "is a file, not a directory" in line


def test_a_malformed_bot_token_is_one_line_naming_it(clean_env, use_fake_embedder) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "paste your token here",
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{_closed_port()}",
    }
    line = _one_line_error(CliRunner().invoke(main, ["bot"], env=env))
    assert line.startswith("error: TELEGRAM_BOT_TOKEN is not a bot token")


# ---- .env ----------------------------------------------------------------------
ACCOUNTS = "account_id,name,owner\nA001,ABC Trading,kim.minji\n"


def _closed_port() -> int:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _advisor(work: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ADVISOR_", "TELEGRAM_"))}
    return subprocess.run(
        [sys.executable, "-m", "advisor.cli", *args],
        cwd=work,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_dotenv_in_the_current_directory_is_read(tmp_path) -> None:
    home, team = tmp_path / "home", tmp_path / "team.db"
    (tmp_path / ".env").write_text(
        f"# the team's settings\nADVISOR_DATABASE_URL=sqlite:///{team}\n", encoding="utf-8"
    )
    (tmp_path / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    done = _advisor(tmp_path, "import", "--accounts", "accounts.csv", ADVISOR_HOME=str(home))
    assert done.returncode == 0, done.stderr
    assert team.exists() and not (home / "advisor.db").exists()


def test_the_environment_wins_over_dotenv(tmp_path) -> None:
    home, team, mine = tmp_path / "home", tmp_path / "team.db", tmp_path / "mine.db"
    (tmp_path / ".env").write_text(f"ADVISOR_DATABASE_URL=sqlite:///{team}\n", encoding="utf-8")
    (tmp_path / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    done = _advisor(
        tmp_path,
        "import",
        "--accounts",
        "accounts.csv",
        ADVISOR_HOME=str(home),
        ADVISOR_DATABASE_URL=f"sqlite:///{mine}",
    )
    assert done.returncode == 0, done.stderr
    assert mine.exists() and not team.exists()


def test_a_wrong_value_in_dotenv_is_one_line_naming_it(tmp_path) -> None:
    (tmp_path / ".env").write_text("ADVISOR_LLM_TIMEOUT=abc\n", encoding="utf-8")
    done = _advisor(tmp_path, "segment", ADVISOR_HOME=str(tmp_path / "home"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: ADVISOR_LLM_TIMEOUT='abc' is not a number of seconds above 0 (e.g. 30)"
    ]


def test_the_bot_reads_its_token_from_dotenv(tmp_path) -> None:
    port = _closed_port()
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN=1:x\nTELEGRAM_API_BASE_URL=http://127.0.0.1:{port}\n", encoding="utf-8"
    )
    done = _advisor(tmp_path, "bot", ADVISOR_HOME=str(tmp_path / "home"))
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: cannot reach the Telegram Bot API at http://127.0.0.1:{port}")


def test_ask_with_a_provider_but_without_its_key_is_one_line(clean_env, use_fake_embedder) -> None:
    env = {"ADVISOR_LLM": "openai:gpt-4o-mini", "OPENAI_API_KEY": None}
    result = CliRunner().invoke(
        main, ["ask", "A competitor offers bigger rebates. What now?"], env=env
    )
    assert _one_line_error(result) == (
        "error: ADVISOR_LLM='openai:gpt-4o-mini' needs "
        "OPENAI_API_KEY (or ADVISOR_LLM_API_KEY) to be set"
    )
