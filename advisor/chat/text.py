"""The chat's words (advisor/data/messages/conversation.yaml) and the language to use them in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from advisor.answering.understanding import answer_language
from advisor.i18n.catalogue import CONVERSATION, localise
from advisor.i18n.languages import LANGUAGES

LANGS = LANGUAGES  # the chat speaks what the advisor writes
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass(frozen=True)
class Lang:
    """A language of the chat: en, ko or zh, and traditional characters for zh."""

    code: str = "en"
    traditional: bool = False

    @property
    def tag(self) -> str:
        """The tag the advisor takes as an override (`zh-Hant` for traditional)."""
        return "zh-Hant" if self.traditional else self.code


def text(key: str, lang: Lang, **params: Any) -> str:
    """The message at a dotted key, in the language, with its placeholders filled."""
    return localise(CONVERSATION.say(key, lang.code, **params), lang.traditional)


def from_locale(locale: str | None) -> Lang | None:
    """Telegram's `language_code` (ko, zh-hans, zh-TW, en-US…) as a chat language."""
    if not locale:
        return None
    tag = locale.strip().lower().replace("_", "-")
    base = tag.split("-")[0]
    if base not in LANGS:
        return None
    traditional = base == "zh" and any(t in tag for t in ("hant", "-tw", "-hk", "-mo"))
    return Lang(base, traditional)


def from_text(message: str) -> Lang | None:
    """The language a message is written in, when it has enough letters to tell."""
    if len(_LETTERS.findall(message)) < 2:
        return None
    code, traditional = answer_language(message)
    return Lang(code, traditional) if code in LANGS else None


def from_tag(tag: str | None) -> Lang | None:
    """A stored tag (en, ko, zh, zh-Hant) as a chat language."""
    if not tag:
        return None
    if tag == "zh-Hant":
        return Lang("zh", True)
    return Lang(tag) if tag in LANGS else None
