"""Charts render to real PNGs in every language, with a CJK font and no missing glyphs."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from advisor.accounts.portfolio import PortfolioAnalysis, monthly_revenue
from advisor.accounts.store import AccountStore
from advisor.reports.charts import portfolio as charts


def test_cjk_font_is_registered() -> None:
    assert charts.CJK_FONT == "Noto Sans CJK SC"


@pytest.mark.parametrize("lang", ["en", "ko", "zh"])
def test_portfolio_chart(sample: PortfolioAnalysis, tmp_path: Path, lang: str) -> None:
    path = tmp_path / f"portfolio-{lang}.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would fail here
        charts.portfolio_chart(
            sample.chart_rows(),
            path,
            lang,
            threshold=sample.now.contribution.threshold,
            as_of=sample.as_of,
        )
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1080, 1350)


def test_revenue_chart(sample_store: AccountStore, tmp_path: Path) -> None:
    path = tmp_path / "revenue.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        charts.revenue_chart(monthly_revenue(sample_store, "A002"), path, "ko", "한빛유통")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(data[16:20], "big") == 1080


def test_small_inputs_still_draw(tmp_path: Path) -> None:
    rows = [
        {
            "account_id": "a",
            "name": "华东贸易有限公司",
            "kind": "existing",
            "segment": "EI",
            "revenue": 10.0,
            "stability_score": 1.2,
            "high_contribution": True,
        },
        {
            "account_id": "p",
            "name": "P",
            "kind": "prospect",
            "segment": "PIV",
            "expected_revenue": None,
        },
    ]
    assert charts.portfolio_chart(rows, tmp_path / "one.png").stat().st_size > 0
    assert charts.portfolio_chart([], tmp_path / "none.png").stat().st_size > 0
    assert charts.revenue_chart([], tmp_path / "empty.png", "zh").stat().st_size > 0
