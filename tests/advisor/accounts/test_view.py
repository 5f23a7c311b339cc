"""The typed account view: what callers read, and the JSON row the CLI prints from it.

`data/segment_json_sample.json` holds rows of `advisor segment --json` (en, ko, zh)
for the sample portfolio, printed before the views existed: the view's JSON must
stay byte-for-byte the same.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from advisor.accounts.directory import PortfolioDirectory
from advisor.accounts.portfolio import PortfolioAnalysis
from advisor.accounts.store import AccountStore
from advisor.accounts.view import AccountMetrics, AccountRef, AccountView, RiskView
from advisor.errors import AccountNotFoundError

PRINTED: dict[str, list[dict[str, Any]]] = json.loads(
    (Path(__file__).parent / "data" / "segment_json_sample.json").read_text("utf-8")
)


def _dumped(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


@pytest.mark.parametrize("lang", ["en", "ko", "zh"])
def test_the_views_json_is_what_segment_json_printed(sample: PortfolioAnalysis, lang: str) -> None:
    for printed in PRINTED[lang]:
        view = sample.view(printed["account_id"], lang)
        assert _dumped(view.as_json()) == _dumped(printed)
        assert _dumped(sample.account(printed["account_id"], lang)) == _dumped(printed)


def test_records_are_the_views_json(sample: PortfolioAnalysis) -> None:
    records = sample.records("ko", segments=("EII",))
    views = sample.views("ko", segments=("EII",))
    assert records and records == [v.as_json() for v in views]
    assert {v.segment for v in views} == {"EII"}


def test_the_view_carries_the_printed_values_as_attributes(sample: PortfolioAnalysis) -> None:
    printed = PRINTED["en"][0]
    view = sample.view("A001")
    assert isinstance(view, AccountView)
    assert (view.account_id, view.name, view.owner) == ("A001", "ABC Trading", "kim.minji")
    assert view.ref == AccountRef("A001", "ABC Trading", "kim.minji")
    assert (view.segment, view.previous_segment, view.movement, view.alarm) == (
        "EII",
        "EI",
        "down",
        True,
    )
    assert view.segment_label == printed["segment_label"] and view.kind == "existing"
    assert view.reason_texts == printed["reasons"]
    assert [r.code for r in view.reasons] == [c["code"] for c in printed["reason_codes"]]
    assert all(isinstance(r, RiskView) for r in view.risks)
    assert [(r.code, r.severity, r.title) for r in view.risks] == [
        (r["code"], r["severity"], r["title"]) for r in printed["risks"]
    ]
    assert isinstance(view.metrics, AccountMetrics)
    assert view.metrics.revenue == printed["metrics"]["revenue"] == 1292870.0
    assert view.metrics.last_quarter == printed["metrics"]["last_quarter"]
    assert view.metrics.window_months == 12
    assert view.industry is None and view.region is None


def test_views_are_frozen(sample: PortfolioAnalysis) -> None:
    view = sample.view("A002")
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.segment = "EIV"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.metrics.revenue = 0.0  # type: ignore[misc]


def test_an_unknown_account_is_not_found(sample: PortfolioAnalysis) -> None:
    with pytest.raises(AccountNotFoundError):
        sample.view("NOPE")


def test_the_directory_adds_industry_and_region_but_not_to_the_json(
    sample_store: AccountStore,
) -> None:
    directory = PortfolioDirectory.load(sample_store)
    record = directory.record("A001", "en")
    details = sample_store.get_account("A001") or {}
    assert record.industry == details.get("industry") and record.industry
    assert record.region == details.get("region") and record.region
    assert _dumped(record.as_json()) == _dumped(PRINTED["en"][0])
    refs = directory.accounts("kim.minji")
    assert refs and all(isinstance(r, AccountRef) and r.owner == "kim.minji" for r in refs)
    assert "A001" in {r.account_id for r in refs}
