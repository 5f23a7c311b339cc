"""Script folding and matching normalisation for Korean, Chinese and English text.

Traditional and simplified Chinese are matched as one by folding everything to
simplified (OpenCC `t2s`); answers for a traditional-script asker are converted
back with `s2t`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

# A pinyin annotation a web page inserted after a character: 業(yè), 任重(rèn zhòng).
# Requiring a tone-marked vowel keeps ordinary bracketed words such as (win-win).
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN_ANNOTATION = re.compile(rf"\((?=[a-z{_TONED} ]*[{_TONED}])[a-z{_TONED}ü ]+\)")
_WHITESPACE = re.compile(r"\s+")


@lru_cache(maxsize=3)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    return _converter("t2s").convert(text)


def to_traditional(text: str) -> str:
    return _converter("s2t").convert(text)


def to_taiwan(text: str) -> str:
    """Simplified Chinese written out in traditional characters with Taiwan phrasing
    (OpenCC `s2twp`: 為 not 爲, 軟體 not 軟件): how answers read to a traditional-script asker."""
    return _converter("s2twp").convert(text)


def strip_pinyin(text: str) -> str:
    return PINYIN_ANNOTATION.sub("", text)


def match_key(text: str) -> str:
    """The normalisation used to decide whether a passage contains a phrase.

    Pinyin annotations removed, traditional folded to simplified, all whitespace
    removed, lowercased: the rule of the retrieval evaluation set, also used to
    resolve card anchors.
    """
    return _WHITESPACE.sub("", to_simplified(strip_pinyin(text))).lower()
