"""Reasons and risk evidence as data: a code plus parameters, rendered per language.

The analytics return `Reason` / `Risk` objects; words live in
`advisor/data/messages/accounts.yaml` (English, Korean, Chinese), so a manager
reads the same check in their own language and tests can assert on codes and
numbers rather than on prose.

Parameter names carry their formatting: money keys (see MONEY) are shown as
1.16M / 116만 / 116万, keys ending in `_pct` hold fractions shown as 48%,
dates are ISO. Optional clauses come from the `fragment` section: a template
may say `{note_part}`, which is the rendered `fragment.note` when the params
have a note and empty otherwise.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from advisor.errors import AdvisorError
from advisor.i18n.catalogue import ACCOUNTS
from advisor.i18n.languages import LANGUAGES

SEVERITIES = ("high", "medium", "low", "info")  # most severe first
SERIOUS = ("high", "medium")  # the severities that put an account on the at-risk list


def severity_rank(severity: str) -> int:
    """0 for the most severe; anything unknown after every known severity."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


MONEY = frozenset(
    {"revenue", "threshold", "last_q", "earlier", "expected", "amount", "average", "year_ago"}
)


class UnknownLanguageError(AdvisorError):
    """A language other than en, ko or zh was asked for."""


@dataclass(frozen=True)
class Reason:
    """Why an account got its segment, e.g. Reason("top_rank", {"rank": 12, ...})."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        return render(self.code, self.params, lang)


@dataclass(frozen=True)
class Risk:
    """A churn risk signal with the evidence that raised it."""

    code: str
    severity: str
    params: dict[str, Any] = field(default_factory=dict)

    def evidence(self, lang: str = "en") -> str:
        return render(f"risk.{self.code}", self.params, lang)

    def title(self, lang: str = "en") -> str:
        return label(f"risk_title.{self.code}", lang)

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "title": self.title(lang),
            "evidence": self.evidence(lang),
            "params": _jsonable(self.params),
        }


def check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise UnknownLanguageError(
            f"unknown language '{lang}': choose one of {', '.join(LANGUAGES)}"
        )
    return lang


def _lookup(path: str) -> dict[str, str]:
    node: dict[str, str] = ACCOUNTS.node(path)
    return node


def label(path: str, lang: str = "en") -> str:
    """A fixed phrase, e.g. label("segment.EI.name", "ko")."""
    return _lookup(path)[check_lang(lang)]


def render(code: str, params: dict[str, Any], lang: str = "en") -> str:
    check_lang(lang)
    path = code if "." in code else f"reason.{code}"
    template = _lookup(path)[lang]
    values = format_params(params, lang)
    # Optional clauses: `{yoy_pct_part}` is the `fragment.yoy_pct` text when
    # yoy_pct is known, else nothing; so one template covers both cases.
    for key, fragment in ACCOUNTS.data.get("fragment", {}).items():
        present = params.get(key) not in (None, "")
        values[f"{key}_part"] = fragment[lang].format(**values) if present else ""
    return template.format(**values)


def format_params(params: dict[str, Any], lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in params.items():
        if key in MONEY:
            out[key] = money(value, lang)
        elif key.endswith("_pct"):
            out[key] = percent(value)
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif isinstance(value, float) and value.is_integer():
            out[key] = str(int(value))
        else:
            out[key] = "" if value is None else str(value)
    return out


def percent(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.0f}%"


def money(value: float | None, lang: str = "en") -> str:
    """Compact money: 1.16M / 350K in English, 116만 / 1.2억 in Korean, 116万 / 1.2亿 in Chinese."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    sign = "-" if value < 0 else ""
    v = abs(float(value))
    if lang == "en":
        steps = ((1e9, "B"), (1e6, "M"), (1e3, "K"))
    else:
        big, small = ("억", "만") if lang == "ko" else ("亿", "万")
        steps = ((1e8, big), (1e4, small))
    for size, suffix in steps:
        if v >= size:
            return f"{sign}{_three_digits(v / size)}{suffix}"
    return f"{sign}{v:,.0f}"


def _three_digits(x: float) -> str:
    # 1.16, 11.6, 116, 1,160: three significant digits, never scientific notation.
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif isinstance(value, float) and math.isnan(value):
            out[key] = None
        else:
            out[key] = value
    return out


def params_json(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters with dates as ISO strings, NaN as None: safe for json.dumps."""
    return _jsonable(params)
