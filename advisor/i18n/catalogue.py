"""Words in English, Korean and Chinese, kept as data in advisor/data/messages/*.yaml.

Each file is a catalogue: nested keys ending in `{en, ko, zh}` texts with
`{placeholders}`. Chinese is written in simplified characters; `localise`
converts for askers who write traditional ones.
"""

from __future__ import annotations

from functools import cached_property
from importlib import resources
from typing import Any

from knowledge.textnorm import to_taiwan
from knowledge.yamlfile import load_yaml


class Catalogue:
    """One messages file, read on first use."""

    def __init__(self, name: str) -> None:
        self.name = name

    @cached_property
    def data(self) -> dict[str, Any]:
        path = resources.files("advisor").joinpath(f"data/messages/{self.name}.yaml")
        data = load_yaml(path.read_text("utf-8"))
        assert isinstance(data, dict), f"{self.name}.yaml is not a mapping"
        return data

    def node(self, key: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            node = node[part]
        return node

    def say(self, key: str, lang: str, **params: Any) -> str:
        """The message at a dotted key in one language, with its placeholders filled."""
        return str(self.node(key)[lang]).format(**params)


# Every messages file, one catalogue each: answers and briefs, accounts (segments,
# reasons, risks, charts), alerts and digests, the chat, the defector study, the quiz.
ADVISOR = Catalogue("advisor")
ACCOUNTS = Catalogue("accounts")
ALERTS = Catalogue("alerts")
CONVERSATION = Catalogue("conversation")
DEFECTORS = Catalogue("defectors")
QUIZ = Catalogue("quiz")


def localise(text: str, traditional: bool) -> str:
    """Chinese answers are written in simplified characters; convert for traditional askers."""
    return to_taiwan(text) if traditional else text
