"""What a chat model's reply may say, checked in code before a rep sees it.

The model writes from the DATA block alone: the plan, the account facts and
the cited passages. Text planted in a passage or an account record can still
talk a model into repeating it, so a reply is used only if

- it cites at least one of the given sources and no other;
- it neither addresses the system nor changes the instructions ("SYSTEM
  NOTICE", "as instructed", "ignore the previous instructions", a role or
  data-block marker), in English, Korean or Chinese;
- every URL, e-mail address, phone number, percentage and amount in it also
  appears in the data (an amount may be rounded: 1.29M for 1,292,870);
- it is written in the asker's language (`advisor.answering.reply_language`).

`check_reply` returns why a reply fails, or None. The prompt asks the model
for all of this too, but only these checks are relied on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from advisor.answering.reply_language import reply_language
from knowledge.textnorm import to_simplified

_CITATION = re.compile(r"\[(\d{1,3})\]")

# Talking to the system, or about its instructions. Matched on the reply
# lowercased and folded to simplified Chinese.
_INSTRUCTION_TALK = [
    re.compile(p)
    for p in (
        r"\bsystem\s+(?:notice|prompt|message|instructions?|override|update|alert|note|admin\w*)\b",
        r"(?:^|[\n.!?:;。！？：；]\s*)(?:system|assistant|developer)\s*:",
        r"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}?\b(?:instructions?|prompts?|"
        r"guidelines|directives)\b",
        r"\b(?:as instructed|as you were instructed|per (?:the|your|my) instructions|"
        r"(?:new|updated|previous|prior|above|original|hidden) instructions?|"
        r"(?:my|your) instructions)\b",
        r"\b(?:dear|attention|note to|hey|hello)\s+(?:the\s+)?(?:system|assistant|ai|model|llm|chatbot)\b",
        r"</?\s*data\s*>|<\|\w+\|>|\[/?inst\]|<</?sys>>",
        r"시스템\s*(?:공지|알림|메시지|프롬프트|지시|명령|안내|관리자|업데이트)",
        r"(?:이전|위의?|기존|모든|앞의)\s*(?:지시|지침|명령|규칙|프롬프트)\w{0,2}\s*(?:무시|잊)",
        r"지시(?:받은\s*대로|에\s*따라|대로)|새로운\s*(?:지시|지침|명령)",
        r"系统\s*(?:通知|公告|提示|消息|指令|命令|管理员|更新|警告)",
        r"(?:忽略|无视|忘记|忽视|不要理会)[^。\n]{0,12}(?:指令|指示|提示词?|规则|要求)",
        r"(?:按照|根据|依照|遵照)(?:指示|指令)|新的?(?:指令|指示)",
    )
]

# ---- what a reply states: links, addresses, numbers ----------------------------
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TLDS = (
    r"com|net|org|info|biz|io|co|kr|cn|jp|hk|tw|us|uk|de|fr|me|app|dev|xyz|online|site|"
    r"top|shop|link|ly|gl|invalid|example|test|local"
)
_URL = re.compile(
    r"(?:https?://|ftp://|www\.)[^\s<>()\[\]\"'，。、；！？]+"
    rf"|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s<>()\[\]\"'，。]*)?"
)
_PHONE = re.compile(
    r"(?<![A-Za-z0-9+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?"
    r"\d{2,4}(?:[\s.-]\d{2,4}){1,4}(?![\d])"
    r"|(?<![A-Za-z0-9])\+\d{7,15}(?!\d)|(?<![A-Za-z0-9])0\d{8,10}(?!\d)"
)
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{4}\s?-\s?\d{4}$")
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN_NUM = r"[零〇一二两三四五六七八九十百]+"
_PERCENT = re.compile(
    rf"(?P<num>{_NUM})\s?(?:%|％|percent\b|per cent\b|pct\b|퍼센트)"
    rf"|百分之(?P<cn>{_NUM}|{_CN_NUM})"
    rf"|(?P<off>\d(?:\.\d)?|[一二两三四五六七八九]{{1,2}})\s?折"
)
_CJK_MAGNITUDES = {
    "千万": 1e7,
    "百万": 1e6,
    "천만": 1e7,
    "백만": 1e6,
    "亿": 1e8,
    "억": 1e8,
    "万": 1e4,
    "만": 1e4,
    "千": 1e3,
    "천": 1e3,
}
_WORD_MAGNITUDES = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "k": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "bn": 1e9,
}
_CJK_MAG = "|".join(_CJK_MAGNITUDES)
_QUANTITY = re.compile(
    r"(?P<pre>us\$|[$€£¥￥₩]|(?:rmb|cny|krw|usd|eur)\s?)?"
    rf"(?<![A-Za-z0-9.])(?P<body>{_NUM}\s?(?:{_CJK_MAG})?(?:\s?{_NUM}\s?(?:{_CJK_MAG}))*)"
    r"(?P<word>\s?(?:thousand|million|billion)\b|(?:k|mn|m|bn)(?![a-z]))?"
    r"(?P<post>\s?(?:usd|dollars?|krw|won\b|원|cny|rmb|yuan|元|块|eur\b|euros?\b))?"
)
_PART = re.compile(rf"({_NUM})\s?({_CJK_MAG})?")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


@dataclass(frozen=True)
class Quantity:
    """A number as written: its value and how finely it was written (1.29M: 0.01M)."""

    value: float
    unit: float
    amount: bool = False  # money, a magnitude, or a number too big to be a count

    def near(self, other: float) -> bool:
        return abs(self.value - other) <= max(self.unit / 2, abs(self.value) * 0.01) + 1e-9


@dataclass
class Grounds:
    """Everything the data states, in the forms a reply may repeat it."""

    text: str = ""  # all the data's text, folded
    numbers: list[float] = field(default_factory=list)
    percents: list[float] = field(default_factory=list)
    phones: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, data: Any) -> Grounds:
        texts, values = [], []
        for item in _leaves(data):
            if isinstance(item, str):
                texts.append(item)
            else:
                values.append(float(item))
        text = _fold("\n".join(texts))
        grounds = cls(text=text, numbers=list(values))
        for value in values:  # a ratio is a percentage too: 0.46 is 46%, a 54% fall
            if 0 < value < 10:
                grounds.percents += [100 * value, 100 * abs(1 - value)]
        rest = _split(_URL, _split(_EMAIL, text)[1])[1]
        phones, rest = _split(_PHONE, rest)
        grounds.phones = {_digits(p.group()) for p in phones if _is_phone(p.group())}
        percents, rest = _split(_PERCENT, rest)
        for found in percents:
            percent = _percent(found)
            if percent is not None:
                grounds.percents.append(percent.value)
        for found in _QUANTITY.finditer(rest):
            grounds.numbers.append(_quantity(found).value)
        return grounds


def check_reply(reply: str, language: str, given: Collection[int], data: Any) -> str | None:
    """Why `reply` cannot be shown to someone asking in `language`, or None when it can.

    `given` are the numbers of the sources the model was handed; `data` is what
    the DATA block held.
    """
    if not reply.strip():
        return "empty reply"
    cited = {int(n) for n in _CITATION.findall(reply)}
    if not cited & set(given):
        return "cites none of the given sources"
    if cited - set(given):
        return f"cites sources that were not given: {sorted(cited - set(given))}"
    talk = instruction_talk(reply)
    if talk:
        return f"addresses the system or its instructions: {talk!r}"
    unsupported = unsupported_details(reply, Grounds.of(data))
    if unsupported:
        return "states what the data does not: " + ", ".join(unsupported)
    written = reply_language(reply)
    if written != language:
        return f"not written in the asker's language ({written}, not {language})"
    return None


def instruction_talk(reply: str) -> str | None:
    """The words with which a reply talks to the system or about its instructions."""
    folded = _fold(reply)
    for pattern in _INSTRUCTION_TALK:
        found = pattern.search(folded)
        if found:
            return found.group().strip(" \n.!?:;。！？：；")
    return None


def unsupported_details(reply: str, grounds: Grounds) -> list[str]:
    """The links, addresses, phone numbers, percentages and amounts of `reply` the data lacks."""
    problems: list[str] = []
    emails, rest = _split(_EMAIL, _fold(reply))
    for found in emails:
        if found.group() not in grounds.text:
            problems.append(f"e-mail address {found.group()}")
    urls, rest = _split(_URL, rest)
    for found in urls:
        url = found.group().rstrip(".,;:!?)'\"")
        bare = re.sub(r"^(?:https?://|ftp://)?(?:www\.)?", "", url)
        if bare not in grounds.text:
            problems.append(f"link {url}")
    phones, rest = _split(_PHONE, rest)
    for found in phones:
        phone = found.group()
        if _is_phone(phone) and _digits(phone) not in grounds.phones:
            problems.append(f"phone number {phone.strip()}")
    percents, rest = _split(_PERCENT, rest)
    for found in percents:
        percent = _percent(found)
        if percent is not None and not any(percent.near(p) for p in grounds.percents):
            problems.append(f"percentage {found.group().strip()}")
    for found in _QUANTITY.finditer(rest):
        quantity = _quantity(found)
        if quantity.amount and not any(quantity.near(n) for n in grounds.numbers):
            problems.append(f"amount {found.group().strip()}")
    return problems


# ---- helpers -------------------------------------------------------------------
def _fold(text: str) -> str:
    return to_simplified(text).casefold()


def _leaves(data: Any) -> Iterator[str | int | float]:
    if isinstance(data, Mapping):
        for value in data.values():
            yield from _leaves(value)
    elif isinstance(data, list | tuple | set | frozenset):
        for value in data:
            yield from _leaves(value)
    elif isinstance(data, bool) or data is None:
        return
    elif isinstance(data, int | float):
        if math.isfinite(data):
            yield data
    else:
        yield str(data)


def _split(pattern: re.Pattern[str], text: str) -> tuple[list[re.Match[str]], str]:
    """The matches of `pattern`, and the text with them blanked out for the next search."""
    return list(pattern.finditer(text)), pattern.sub(" ", text)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _is_phone(text: str) -> bool:
    return 7 <= len(_digits(text)) <= 15 and not _DATE.match(text.strip())


def _decimals(number: str) -> int:
    return len(number.partition(".")[2])


def _percent(found: re.Match[str]) -> Quantity | None:
    if found.group("num"):
        number = found.group("num").replace(",", "")
        return Quantity(float(number), 10.0 ** -_decimals(number))
    if found.group("cn"):
        value = _chinese_number(found.group("cn"))
        return None if value is None else Quantity(value, 1.0)
    off = found.group("off")  # 八五折: pay 85% of the price; 8.5折 the same
    if off[0].isdigit():
        return Quantity(float(off) * 10, 10.0 ** -_decimals(off) * 10)
    digits = "".join(str(_CN_DIGITS[c]) for c in off)
    return Quantity(float(digits) * (10 if len(digits) == 1 else 1), 1.0)


def _chinese_number(text: str) -> float | None:
    """二十五 → 25, 一百 → 100; plain digits as they are."""
    if text[0].isdigit():
        return float(text.replace(",", ""))
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char in "十百":
            total += (current or 1) * (10 if char == "十" else 100)
            current = 0
    return float(total + current)


def _quantity(found: re.Match[str]) -> Quantity:
    value, unit, cjk = 0.0, 1.0, False
    for number, magnitude in _PART.findall(found.group("body")):
        scale = _CJK_MAGNITUDES.get(magnitude, 1.0)
        cjk = cjk or bool(magnitude)
        value += float(number.replace(",", "")) * scale
        unit = 10.0 ** -_decimals(number) * scale
    word = (found.group("word") or "").strip()
    if word:
        scale = _WORD_MAGNITUDES[word]
        value, unit = value * scale, unit * scale
    body = found.group("body")
    big = "," in body or len(_digits(body.partition(".")[0])) >= 5
    money = bool(found.group("pre") or found.group("post"))
    return Quantity(value, unit, amount=money or cjk or bool(word) or big)
