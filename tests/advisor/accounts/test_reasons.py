"""Message templates as data: complete in three languages, numbers formatted per language."""

from __future__ import annotations

import string

import pytest

from advisor.accounts.reasons import (
    Reason,
    Risk,
    UnknownLanguageError,
    label,
    money,
)
from advisor.i18n import catalogue
from advisor.i18n.languages import LANGUAGES as LANGS


def _leaves(node: object, path: str = "") -> list[tuple[str, dict]]:
    """Every {en, ko, zh} text of a catalogue, with its path (lists of entries included)."""
    if isinstance(node, dict) and set(node) >= {"en"} and isinstance(node["en"], str):
        return [(path, node)]
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    out = []
    for key, value in items:
        out += _leaves(value, f"{path}.{key}" if path else str(key))
    return out


@pytest.mark.parametrize(
    "messages",
    [
        catalogue.ADVISOR,
        catalogue.ACCOUNTS,
        catalogue.ALERTS,
        catalogue.CONVERSATION,
        catalogue.DEFECTORS,
        catalogue.QUIZ,
    ],
    ids=lambda c: c.name,
)
def test_every_message_has_all_languages_with_the_same_placeholders(
    messages: catalogue.Catalogue,
) -> None:
    for path, texts in _leaves(messages.data):
        assert set(texts) == set(LANGS), path
        fields = {
            lang: {f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f} for lang in LANGS
        }
        assert fields["ko"] == fields["en"] == fields["zh"], path


def test_money_per_language() -> None:
    assert money(1_160_000) == "1.16M"
    assert money(350_000) == "350K"
    assert money(35_200) == "35.2K"
    assert money(950) == "950"
    assert money(2_500_000_000) == "2.5B"
    assert money(1_160_000, "ko") == "116만"
    assert money(123_000_000, "ko") == "1.23억"
    assert money(35_200, "zh") == "3.52万"
    assert money(9_500, "zh") == "9,500"
    assert money(None) == "—"


def test_reason_renders_in_three_languages() -> None:
    reason = Reason("top_rank", {"top_pct": 0.2, "revenue": 1_160_000.0, "rank": 12, "n": 100})
    assert reason.text() == "top 20% by revenue: 1.16M, rank 12 of 100"
    assert reason.text("ko") == "매출 상위 20%: 116만, 100곳 중 12위"
    assert reason.text("zh") == "营收前20%：116万，100家中排第12位"


def test_optional_clauses() -> None:
    with_note = Risk(
        "competitor_offer", "high", {"date": "2026-09-18", "days": 43, "note": "8% off"}
    )
    without = Risk("competitor_offer", "high", {"date": "2026-09-18", "days": 43, "note": None})
    assert with_note.evidence().endswith(" — 8% off")
    assert without.evidence() == "competitor offer reported on 2026-09-18 (43 days ago)"
    assert with_note.as_dict("ko")["title"] == "경쟁사 제안"


def test_labels_and_unknown_language() -> None:
    assert label("segment.EII.name", "zh") == "EII：高贡献·不稳定"
    with pytest.raises(UnknownLanguageError):
        Reason("future_customer").text("fr")
