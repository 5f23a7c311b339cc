"""The advisor's words in English, Korean and Chinese (advisor/data/messages/advisor.yaml)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from knowledge.textnorm import to_traditional


@lru_cache(maxsize=1)
def _messages() -> dict[str, Any]:
    text = resources.files("advisor").joinpath("data/messages/advisor.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def say(key: str, lang: str, **params: Any) -> str:
    """The message at a dotted key in one language, with its placeholders filled."""
    node: Any = _messages()
    for part in key.split("."):
        node = node[part]
    return str(node[lang]).format(**params)


def localise(text: str, traditional: bool) -> str:
    """Chinese answers are written in simplified characters; convert for traditional askers."""
    return to_traditional(text) if traditional else text
