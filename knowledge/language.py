"""Language of a passage or question: `ko`, `zh-Hans`, `zh-Hant` or `en`.

The three scripts decide it: Hangul is Korean, Han without Hangul is Chinese,
Latin letters alone are English (the only Latin-script language the product
speaks). Simplified and traditional Chinese are told apart by which OpenCC
conversion changes more characters.
"""

from __future__ import annotations

import re

from knowledge.textnorm import to_simplified, to_traditional

KOREAN, SIMPLIFIED, TRADITIONAL, ENGLISH = "ko", "zh-Hans", "zh-Hant", "en"
LANGUAGES = (ENGLISH, KOREAN, SIMPLIFIED, TRADITIONAL)

_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def script_counts(text: str) -> tuple[int, int, int]:
    """Number of Hangul, Han and Latin characters."""
    return len(_HANGUL.findall(text)), len(_HAN.findall(text)), len(_LATIN.findall(text))


def chinese_script(text: str) -> str:
    """`zh-Hant` when more characters are traditional-only than simplified-only."""
    traditional_only = sum(a != b for a, b in zip(text, to_simplified(text), strict=False))
    simplified_only = sum(a != b for a, b in zip(text, to_traditional(text), strict=False))
    return TRADITIONAL if traditional_only > simplified_only else SIMPLIFIED


def detect_language(text: str, default: str = ENGLISH) -> str:
    """The dominant language of `text`.

    Latin letters count for less than CJK characters because one English word
    carries about as much as one or two CJK characters; segment codes such as
    "EII" in a Korean sentence must not make it English.
    """
    hangul, han, latin = script_counts(text)
    if hangul + han + latin == 0:
        return default
    latin_weight = latin / 4
    if latin_weight > hangul + han:
        return ENGLISH
    if hangul >= han:
        return KOREAN
    return chinese_script(text)


def base_language(code: str) -> str:
    """`zh-Hans`/`zh-Hant` → `zh`: the language an answer is written in."""
    return "zh" if code.startswith("zh") else code
