"""Reading a question: its language, the situations it describes, the segment it
names, and the account it mentions.

Pure functions over the question text and data (advisor/data/situations.yaml);
nothing here looks anything up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from rapidfuzz import fuzz

from advisor.accounts.view import AccountRef
from advisor.i18n.languages import LANGUAGES
from knowledge.language import TRADITIONAL, base_language, detect_language
from knowledge.textnorm import to_simplified
from knowledge.yamlfile import load_yaml

_SEGMENT_CODE = re.compile(r"(?<![A-Za-z])(E(?:IV|I{1,3})|P(?:IV|I{1,3}))(?![A-Za-z])")
# Company suffixes that a rep leaves out when naming an account.
_NAME_SUFFIXES = re.compile(
    r"(有限公司|有限責任公司|有限责任公司|股份有限公司|公司|集团|집단|주식회사|\(주\)|㈜|"
    r"\b(co|ltd|inc|corp|corporation|company|llc|gmbh|plc)\b\.?|[,.])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Understanding:
    """What the advisor read in a question."""

    text: str
    language: str  # en | ko | zh: the language to answer in
    traditional: bool  # answer in traditional Chinese characters
    situations: tuple[str, ...]
    segment: str | None
    account_id: str | None = None
    # Several accounts the question's words could name: the asker must choose.
    ambiguous: tuple[str, ...] = ()
    mention: str = ""  # the words that named the ambiguous accounts
    query: str = ""  # the question with the account names blanked: what to search for


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    text = resources.files("advisor").joinpath("data/situations.yaml").read_text("utf-8")
    return load_yaml(text)


def fold(text: str) -> str:
    """Lowercased, traditional Chinese folded to simplified: how cues and names are matched."""
    return to_simplified(text).lower()


_fold = fold


def _contains(text: str, keyword: str) -> bool:
    return next(iter(_spans(text, keyword)), None) is not None


_PUNCTUATION = re.compile(r"[,.;:!?，。；：！？、\n]")


def _spans(text: str, keyword: str) -> Iterable[tuple[int, int]]:
    keyword = _fold(keyword)
    if keyword not in text:  # most keywords are absent: no regex for them
        return ()
    pattern = rf"(?<![a-z]){re.escape(keyword)}" if keyword.isascii() else re.escape(keyword)
    return [m.span() for m in re.finditer(pattern, text)]


def _denied(text: str, start: int, end: int, negation: Mapping[str, Any]) -> bool:
    """Whether a negation marker of any language stands next to text[start:end]."""
    for rule in negation.values():
        window = int(rule.get("window", 0))
        # Wider than the window first, so that a phrase reaching past its edge is removed.
        reach = window + max((len(p) for p in rule.get("not_denials", ())), default=0)
        before = _PUNCTUATION.split(text[max(0, start - reach) : start])[-1]
        after = _PUNCTUATION.split(text[end : end + reach])[0]
        for phrase in rule.get("not_denials", ()):
            before, after = before.replace(phrase, " "), after.replace(phrase, " ")
        before, after = before[-window:] if window else "", after[:window]
        if any(m in before for m in rule.get("before", ())) or any(
            m in after for m in rule.get("after", ())
        ):
            return True
    return False


def _affirmed(text: str, keyword: str, negation: Mapping[str, Any]) -> bool:
    """The keyword occurs at least once where the question does not deny it."""
    return any(not _denied(text, start, end, negation) for start, end in _spans(text, keyword))


def detect_situations(text: str, data: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """Situation tags whose keywords occur in the text, in lexicon order."""
    data = data or lexicon()
    folded = _fold(text)
    negation = data.get("negation") or {}
    found = []
    for situation, by_lang in data["keywords"].items():
        if any(_affirmed(folded, kw, negation) for kws in by_lang.values() for kw in kws):
            found.append(situation)
    return tuple(found)


def detect_segment(text: str, data: Mapping[str, Any] | None = None) -> str | None:
    """A segment code written in the question (EII), or described (贡献低但很稳定)."""
    code = _SEGMENT_CODE.search(text)
    if code:
        return code.group(1)
    data = data or lexicon()
    folded = _fold(text)
    for segment, by_lang in data["segment_phrases"].items():
        if any(_contains(folded, phrase) for phrases in by_lang.values() for phrase in phrases):
            return segment
    return None


def answer_language(text: str, override: str | None = None) -> tuple[str, bool]:
    """(en|ko|zh, traditional?) — the question's dominant language unless overridden."""
    if override:
        if override in ("zh-Hant", "zh-TW", "zh-HK"):
            return "zh", True
        lang = base_language(override)
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {override!r}; use en, ko or zh")
        return lang, False
    detected = detect_language(text)
    return base_language(detected), detected == TRADITIONAL


def _core_name(name: str) -> str:
    return re.sub(r"\s+", " ", _NAME_SUFFIXES.sub(" ", _fold(name))).strip()


def _short_name(core: str) -> str | None:
    """How reps shorten a name: its first two words, or its first four CJK characters."""
    words = core.split()
    if len(words) >= 3 and len(" ".join(words[:2])) >= 6:
        return " ".join(words[:2])
    if len(words) == 1 and not core.isascii() and len(core) >= 6:
        return core[:4]
    return None


NAME_SLIP = 85  # rapidfuzz ratio (0–100) from which a name given is taken as a slip of another


@dataclass(frozen=True)
class Mention:
    """Where a question names an account: the account and the span of text it matched."""

    account_id: str
    score: float
    start: int
    end: int


@lru_cache(maxsize=200_000)
def _account_forms(account_id: str, name: str) -> tuple[re.Pattern[str], str, str, str]:
    """How a question may name an account: its id as a word, its full name, its name
    without the legal suffix, and a shorter form. Worked out once per account, not on
    every question (compiling a pattern per account per question was most of it)."""
    by_id = re.compile(rf"(?<![\w-]){re.escape(account_id.lower())}(?![\w-])")
    full = re.sub(r"\s+", " ", _fold(name)).strip(" .,")
    core = _core_name(name)
    return by_id, full, core, _short_name(core) if len(core) >= 2 else ""


def _id_and_name(account: AccountRef | Mapping[str, Any]) -> tuple[str, str]:
    # Plain rows of account_id and name are still accepted from callers that have
    # a table rather than the directory's AccountRefs.
    if isinstance(account, AccountRef):
        return account.account_id, account.name
    return str(account["account_id"]), str(account["name"])


def _mentions(folded: str, accounts: Iterable[AccountRef | Mapping[str, Any]]) -> list[Mention]:
    found: list[Mention] = []
    for account in accounts:
        account_id, name = _id_and_name(account)
        id_pattern, full, core, short = _account_forms(account_id, name)
        by_id = id_pattern.search(folded)
        if by_id:
            found.append(Mention(account_id, 1000.0, *by_id.span()))
            continue
        if len(core) < 2:
            continue
        if len(full) > len(core) and full in folded:
            # Written out in full, suffix and all: "永盛食品有限公司" is not "永盛食品股份有限公司".
            start = folded.find(full)
            found.append(Mention(account_id, 100.0 + len(full), start, start + len(full)))
        elif core in folded:
            start = folded.find(core)
            found.append(Mention(account_id, 100.0 + len(core), start, start + len(core)))
        elif short and short in folded:
            # "Golden Hops" for Golden Hops Distributors
            start = folded.find(short)
            found.append(Mention(account_id, 95.0 + len(short), start, start + len(short)))
        elif len(core) >= 6:
            match = fuzz.partial_ratio_alignment(core, folded)
            if match is not None and match.score >= 90:
                found.append(Mention(account_id, match.score, match.dest_start, match.dest_end))
    return found


def mentioned_accounts(text: str, accounts: Iterable[AccountRef | Mapping[str, Any]]) -> list[str]:
    """The accounts a question names, by id or by (part of) its name.

    One id when the question is clear; several when the same words name more
    than one account ("Pacific Retail" for Pacific Retail Group and Pacific
    Retail Inc.): the caller must ask which. Exact ids win; a longer name wins
    over a shorter one it contains ("Pacific Retail Group" is not ambiguous);
    company suffixes are ignored and small spelling slips tolerated.
    """
    found = _mentions(_fold(text), accounts)
    if not found:
        return []
    ids = [m for m in found if m.score >= 1000.0]
    if ids:
        return list(dict.fromkeys(m.account_id for m in ids))
    exact = [m for m in found if m.score >= 95.0]
    pool = exact or found
    widest = max(m.end - m.start for m in pool)
    best = [m for m in pool if m.end - m.start == widest]
    if not exact:
        top = max(m.score for m in best)
        best = [m for m in best if m.score == top]
    # Among mentions of the widest span, an exact full name beats a shortened one.
    full = [m for m in best if m.score >= 100.0]
    chosen = full or best
    return list(dict.fromkeys(m.account_id for m in sorted(chosen, key=lambda m: -m.score)))


def named_accounts(name: str, accounts: Iterable[AccountRef | Mapping[str, Any]]) -> list[str]:
    """The accounts a bare name given on its own (`/brief 한빛`) stands for.

    First as a question would name them (`mentioned_accounts`); failing that, the
    accounts whose name holds the words given ("한빛" for 한빛유통), and failing that
    the closest names by spelling, so that a slip ("abc trdng") still finds its
    account. Several ids when the name fits several accounts equally.
    """
    query = re.sub(r"\s+", " ", _fold(name)).strip(" .,")
    if len(query) < 2:
        return []
    accounts = list(accounts)
    found = mentioned_accounts(name, accounts)
    if found:
        return found
    cores = {account_id: _core_name(label) for account_id, label in map(_id_and_name, accounts)}
    holding = [account_id for account_id, core in cores.items() if query in core]
    if holding:
        return holding
    if len(query) < 4:
        return []
    scores = {account_id: fuzz.ratio(query, core) for account_id, core in cores.items() if core}
    best = max(scores.values(), default=0.0)
    if best < NAME_SLIP:
        return []
    return [account_id for account_id, score in scores.items() if score == best]


def without_names(text: str, names: Iterable[str]) -> str:
    """The text with account names blanked, so a Chinese company name in an English
    question does not make the answer Chinese."""
    folded = _fold(text)
    if len(folded) != len(text):  # a conversion changed the length; leave the text as it is
        return text
    chars = list(text)
    for name in names:
        core = _core_name(name)
        for variant in {_fold(name), core, _short_name(core) or ""}:
            if len(variant) < 2:
                continue
            start = folded.find(variant)
            while start >= 0:
                chars[start : start + len(variant)] = " " * len(variant)
                start = folded.find(variant, start + len(variant))
    return "".join(chars)


def understand(
    text: str,
    accounts: Sequence[AccountRef] = (),
    *,
    language: str | None = None,
) -> Understanding:
    found = mentioned_accounts(text, accounts) if accounts else []
    account_id = found[0] if len(found) == 1 else None
    names = [a.name for a in accounts if a.account_id in found]
    # The account's name says nothing of the language or the situation
    # ("Bluebird Hotels" is not a question about hotel channels).
    rest = without_names(text, names) if names else text
    lang, traditional = answer_language(rest, language)
    return Understanding(
        text=text,
        language=lang,
        traditional=traditional,
        situations=detect_situations(rest),
        segment=detect_segment(rest),
        account_id=account_id,
        ambiguous=tuple(found) if len(found) > 1 else (),
        query=" ".join(rest.split()),
        mention=_mention_words(text, accounts, found) if len(found) > 1 else "",
    )


def _mention_words(text: str, accounts: Sequence[AccountRef], ids: Sequence[str]) -> str:
    """The words of the question that named several accounts, as the asker wrote them."""
    folded = _fold(text)
    spans = [m for m in _mentions(folded, accounts) if m.account_id in ids]
    if not spans or len(folded) != len(text):
        return next(a.name for a in accounts if a.account_id == ids[0])
    shortest = min(spans, key=lambda m: m.end - m.start)
    return text[shortest.start : shortest.end].strip()
