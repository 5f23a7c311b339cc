"""Cleaning: each defect class named in the corpus README."""

from __future__ import annotations

import pytest

from knowledge.ingest.cleaning import clean_line, clean_text, normalise_wording
from knowledge.ingest.pipeline import bundled_documents
from knowledge.textnorm import match_key, strip_pinyin


@pytest.fixture(scope="module")
def cleaned() -> dict[str, str]:
    return {d.name[:3]: clean_text(d.text, d.rules) for d in bundled_documents()}


@pytest.fixture(scope="module")
def rules():
    return {d.name[:3]: d.rules for d in bundled_documents()}


def test_pinyin_annotations_inside_words_are_removed() -> None:
    assert strip_pinyin("工業(yè)營銷，當(dāng)前") == "工業營銷，當前"
    assert strip_pinyin("任重(rèn zhòng)而道远") == "任重而道远"
    # An ordinary bracketed word is not pinyin and stays.
    assert strip_pinyin("상생(win-win) 관계") == "상생(win-win) 관계"


def test_broken_encoding_debris_is_removed() -> None:
    assert clean_line("因?yàn)楫a(chǎn)品") == "因楫品"
    assert clean_line("相關(guān)??蛻襞c企業(yè)") == "相關蛻襞c企業"
    assert "\ufffd" not in clean_line("前\ufffd\ufffd后")
    # A question mark that ends an English or Korean sentence is punctuation.
    assert clean_line("무엇입니까? 왜냐하면") == "무엇입니까? 왜냐하면"


def test_no_pinyin_or_stray_question_marks_left_in_chinese_sources(cleaned) -> None:
    for key in ("001", "004"):
        assert "(yè)" not in cleaned[key]
        assert "?" not in cleaned[key].replace("?”", "")


def test_web_page_header_lines_of_001_are_dropped(cleaned) -> None:
    text = cleaned["001"]
    assert "當前位置" not in text
    assert "點擊次數" not in text
    assert not text.startswith("工業營銷")
    assert "立即留言索取培訓資料" not in text
    assert "非價格因素" in text  # the content itself stays


def test_document_site_boilerplate_of_004_is_dropped(cleaned) -> None:
    text = cleaned["004"]
    for chrome in ("_第1頁", "已閱讀", "下載本文檔", "版權說明", "溫馨提示", "提交評論", "0/150"):
        assert chrome not in text
    assert "佰草集" in text and "撥霧見月" in text


def test_bracketed_source_urls_of_002_are_dropped(cleaned) -> None:
    assert ".html" not in cleaned["002"]
    assert "EIV 고객" in cleaned["002"]


def test_gambling_header_of_003_is_dropped(cleaned) -> None:
    first_lines = cleaned["003"].split("\n")[:2]
    assert not any(line.startswith("欢迎您光临") for line in first_lines)
    assert "时间:2020" not in cleaned["003"]


def test_spun_wording_of_003_is_made_readable_by_the_table(cleaned, rules) -> None:
    readable = normalise_wording(cleaned["003"], rules["003"])
    assert "客商" in cleaned["003"]  # clean_text keeps the source wording
    assert "客商" not in readable
    assert "戴绿帽子" not in readable and "背叛" in readable
    assert "State of Qatar" not in readable and "قطر" not in readable
    assert "经营发卖" not in readable


def test_cleaning_keeps_the_wording_otherwise(cleaned) -> None:
    raw = next(d.text for d in bundled_documents() if d.name.startswith("000"))
    assert match_key(cleaned["000"]) == match_key(raw)


def test_crlf_and_bom_are_accepted() -> None:
    assert clean_text("\ufeff첫 줄\r\n둘째 줄\r\n") == "첫 줄\n둘째 줄"
