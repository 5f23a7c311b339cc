"""The language a chat model's reply is written in, told apart from its look-alikes.

`knowledge.language.detect_language` reads scripts only, which is right for
routing a question to passages but calls any Latin-script text English and
Japanese Chinese. A reply shown to a rep must really be in the rep's language,
so here a statistical identifier (lingua) decides among English, Korean,
Chinese and the languages a model most easily drifts into instead, and kana
mark Japanese, whose kanji alone lingua may read as Chinese.

The detector is built once, on the first reply checked: lingua's models take
seconds and a few hundred megabytes to load, and a run without a chat model
never needs them.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from advisor.i18n.languages import LANGUAGES

# ISO 639-1 codes of the languages the detector tells apart: the three the
# advisor answers in, then Latin-script languages that must not pass as English
# and Japanese, which must not pass as Chinese.
ANSWERED = LANGUAGES
LOOK_ALIKES = ("fr", "de", "es", "pt", "it", "nl", "vi", "id", "ja")
JAPANESE = "ja"
UNKNOWN = "unknown"
_LINGUA_NAMES = {
    "en": "ENGLISH",
    "ko": "KOREAN",
    "zh": "CHINESE",
    "fr": "FRENCH",
    "de": "GERMAN",
    "es": "SPANISH",
    "pt": "PORTUGUESE",
    "it": "ITALIAN",
    "nl": "DUTCH",
    "vi": "VIETNAMESE",
    "id": "INDONESIAN",
    "ja": "JAPANESE",
}
# Hiragana and katakana (the prolonged-sound mark and the middle dot, which
# Chinese text borrows, left out), half-width katakana.
_KANA = re.compile(
    r"[\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fd-\u30ff\u31f0-\u31ff\uff66-\uff9d]"
)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# What says nothing about the language: citation marks, links, addresses, numbers.
_NOISE = re.compile(r"\[\d{1,3}\]|https?://\S+|\S+@\S+|\d+(?:[.,:/-]\d+)*")
_BUILT: list[Any] = []  # the detector, once built
_BUILDING = threading.Lock()  # the bot checks replies on several threads


def reply_language(text: str) -> str:
    """The ISO code of the language `text` is written in, or `unknown` when it has no words."""
    words = _NOISE.sub(" ", text)
    kana = len(_KANA.findall(words))
    # Japanese runs about one kana to every kanji or two; a kana or two in a
    # Chinese reply is a quoted name.
    if kana >= 2 and kana * 10 >= kana + len(_HAN.findall(words)):
        return JAPANESE
    language = _detector().detect_language_of(words)
    if language is None:
        return UNKNOWN
    return str(language.iso_code_639_1.name).lower()


def _detector() -> Any:
    with _BUILDING:
        if not _BUILT:
            from lingua import Language, LanguageDetectorBuilder

            languages = [getattr(Language, _LINGUA_NAMES[c]) for c in (*ANSWERED, *LOOK_ALIKES)]
            _BUILT.append(LanguageDetectorBuilder.from_languages(*languages).build())
        return _BUILT[0]
