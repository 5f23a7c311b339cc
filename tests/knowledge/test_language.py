from __future__ import annotations

import pytest

from knowledge.language import base_language, detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What strategy fits loyal customers?", "en"),
        ("EI 고객은 충성도가 높은 고객이며", "ko"),
        ("贡献低但很稳定的客户，应该怎样提升他们的贡献？", "zh-Hans"),
        ("當企業在客戶心中成為不可替代的時候", "zh-Hant"),
        ("ABC Trading 的订单减半了，竞争对手在提供返利", "zh-Hans"),
        ("ABC Trading 주문이 절반으로 줄었어요", "ko"),
        ("EII", "en"),
        ("", "en"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_bundled_passages_have_the_language_of_their_source() -> None:
    from knowledge.ingest.pipeline import bundled_documents, passage_records

    expected = {"000": "ko", "001": "zh-Hant", "002": "ko", "003": "zh-Hans", "004": "zh-Hant"}
    for doc in bundled_documents():
        langs = {r.language for r in passage_records(doc)}
        assert langs == {expected[doc.name[:3]]}


def test_base_language() -> None:
    assert base_language("zh-Hant") == "zh"
    assert base_language("ko") == "ko"
