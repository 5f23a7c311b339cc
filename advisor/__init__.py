"""The key-account retention advisor as a Python library.

    from advisor import Scope, open_advisor

    with open_advisor() as advisor:  # the settings come from the environment (ADVISOR_*)
        answer = advisor.ask("A key account halved its orders: what now?", scope=Scope(owner="kim"))
        print(answer.text)
        for citation in answer.citations:
            print(citation.number, citation.passage.source, citation.passage.heading)

`open_advisor(settings=None, *, accounts=True)` opens the knowledge index in
ADVISOR_HOME (building it on first use) and, when there is one, the accounts
store; it closes them at the end of the `with`. `Advisor.ask` returns an
`Answer`; `Scope(owner=...)` limits a question to one rep's accounts, and
`Scope(accounts_allowed=False)` to the guidance alone.

The names are loaded on first use, so that importing a submodule (every CLI
command does) does not load the answering pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from advisor.answering.composer import Answer
    from advisor.answering.service import Advisor, Scope
    from advisor.api import open_advisor

__all__ = ["Advisor", "Answer", "Scope", "open_advisor"]

_WHERE = {
    "Advisor": "advisor.answering.service",
    "Scope": "advisor.answering.service",
    "Answer": "advisor.answering.composer",
    "open_advisor": "advisor.api",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'advisor' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(_WHERE[name]), name)
