"""The Python API the README documents: `from advisor import open_advisor, Scope`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import advisor
from advisor.accounts.importer import import_files
from advisor.accounts.sample import sample_dir
from advisor.errors import AccountNotFoundError, ConfigError
from advisor.settings import Settings
from advisor.wiring import account_store

ROOT = Path(__file__).resolve().parents[1]


def test_the_documented_names_are_there() -> None:
    assert sorted(advisor.__all__) == ["Advisor", "Answer", "Scope", "open_advisor"]
    assert advisor.Scope().owner is None and advisor.Scope().accounts_allowed
    with pytest.raises(AttributeError):
        advisor.Conversation  # noqa: B018 - not part of the API


def test_importing_the_package_loads_no_pipeline() -> None:
    probe = "import sys, advisor.settings; print('advisor.answering.service' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


def test_open_advisor_answers_from_the_guidance_and_the_accounts(
    advisor_home: Path, use_fake_embedder: object
) -> None:
    folder = sample_dir()
    with account_store(Settings.from_env()) as store:
        import_files(
            store,
            accounts=folder / "accounts.csv",
            transactions=folder / "transactions.csv",
            events=folder / "events.csv",
        )
    with advisor.open_advisor() as adv:
        assert isinstance(adv, advisor.Advisor) and adv.has_accounts
        answer = adv.ask("How do I keep a key account that is leaving?")
        assert isinstance(answer, advisor.Answer)
        assert answer.text and answer.language == "en" and answer.citations
        guidance_only = adv.ask(
            "A001 halved its orders", scope=advisor.Scope(accounts_allowed=False)
        )
        assert guidance_only.account_id is None
        with pytest.raises(AccountNotFoundError) as raised:
            adv.resolve("A001", advisor.Scope(owner="nobody"))
        assert raised.value.account_id == "A001"


def test_open_advisor_takes_settings_and_reports_a_bad_one(
    tmp_path: Path, use_fake_embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(home=tmp_path / "elsewhere")
    with advisor.open_advisor(settings, accounts=False) as adv:
        assert adv.accounts is None
        assert adv.ask("고객이 경쟁사로 옮기려고 합니다").language == "ko"
    monkeypatch.setenv("ADVISOR_EMBEDDER", "word2vec")
    with pytest.raises(ConfigError, match="ADVISOR_EMBEDDER"), advisor.open_advisor():
        pass
