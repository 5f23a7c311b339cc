"""Structure-aware chunking: one passage per strategy, with its heading path.

The guidance is written as outlines: `1.`, `1)`, `a.`, `一、`, `第一：`,
`方案三`, `誤區一`, short heading lines, and `label: text` items. A passage is
one such item with the headings above it (e.g. "기존 고객 안정화 › EIV"),
never a fixed window across two strategies. Items longer than the embedder
reads well are cut first at inline enumerations (`。第二，…`), then with
LangChain's recursive splitter at sentence ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from langchain_text_splitters import RecursiveCharacterTextSplitter

MAX_CHARS = 520
HEADING_MAX_CHARS = 40
PATH_SEPARATOR = " › "

_CN_NUM = "一二三四五六七八九十"
# (style, pattern): the style names a numbering scheme so that siblings share a
# level and a new scheme nests below the current one, as outline readers do.
_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cn-slide", re.compile(rf"^(?:解決方案|解决方案)?方案[{_CN_NUM}]+\s*$")),
    ("cn-num", re.compile(rf"^[{_CN_NUM}]+[、.．]\s*")),
    ("cn-paren", re.compile(rf"^[（(][{_CN_NUM}]+[）)]\s*")),
    ("cn-ordinal", re.compile(rf"^第[{_CN_NUM}]+[:：,，、.]\s*")),
    ("cn-myth", re.compile(rf"^(?:誤區|误区)[{_CN_NUM}]+[:：]?\s*")),
    ("num-paren", re.compile(r"^\d{1,2}\)\s*")),
    ("num-dot", re.compile(r"^\d{1,2}[.．、](?!\d)\s*")),
    ("alpha-dot", re.compile(r"^[a-hA-H][.)]\s+")),
)
_SENTENCE_END = re.compile(r"[。.!?！？]$")
_LABEL_END = re.compile(r"[.。!?！？:：;；,，]")
_LABEL_ITEM = re.compile(r"^([^:：。.!?！？]{1,16})[:：]\s*(\S.*)$")
# A field label such as "방법:" (method) or "对策:" (countermeasure) continues the
# item above it; a longer label ("愉快的采購經歷:") is an item of its own.
_FIELD_LABEL_MAX = 3
_SEGMENT_CODE = re.compile(r"^(E(?:I{1,3}|IV)|P(?:I{1,3}|IV))\b")
_INLINE_ENUMERATION = (
    rf"(?<=[。；;：:!?！？])\s*(?=第[{_CN_NUM}]+[,，、:：]|[{_CN_NUM}]是|[{_CN_NUM}]+、)"
)

_splitter = RecursiveCharacterTextSplitter(
    chunk_size=MAX_CHARS,
    chunk_overlap=40,
    separators=["\n", "(?<=[。！？!?])", r"(?<=\. )", "(?<=[；;])", "(?<=[，,])", " ", ""],
    is_separator_regex=True,
    keep_separator=True,
)


@dataclass(frozen=True)
class Chunk:
    """A passage of one document before it is given an id and a language."""

    text: str
    heading_path: tuple[str, ...]


@dataclass
class _Unit:
    path: tuple[str, ...]
    lines: list[str] = field(default_factory=list)
    style: str = ""
    heading_only: bool = False  # a marker line with no text of its own yet
    bare_item: bool = False  # one title in a list of bare titles
    closed: bool = False  # its method/countermeasure line has been read

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _marker(line: str) -> tuple[str, str] | None:
    for style, pattern in _MARKERS:
        m = pattern.match(line)
        if m:
            return style, line if style == "cn-slide" else line[m.end() :].strip()
    return None


def _label(text: str) -> str:
    code = _SEGMENT_CODE.match(text)
    if code:
        return code.group(1)
    cut = _LABEL_END.search(text)
    label = text[: cut.start()] if cut and cut.start() > 0 else text
    return label[:HEADING_MAX_CHARS].strip()


def _is_heading_line(line: str) -> bool:
    return len(line) <= HEADING_MAX_CHARS and not _SENTENCE_END.search(line)


def _units(lines: list[str]) -> list[_Unit]:
    units: list[_Unit] = [_Unit(path=())]
    stack: list[tuple[str, str]] = []  # (style, label) from the top level down

    def path() -> tuple[str, ...]:
        return tuple(label for _, label in stack if label)

    def start(unit: _Unit) -> None:
        units.append(unit)

    for line in lines:
        unit = units[-1]
        marker = _marker(line)
        label_item = _LABEL_ITEM.match(line)
        if marker:
            style, rest = marker
            styles = [s for s, _ in stack]
            if style == "cn-slide":
                stack = []
            elif style in styles:
                del stack[styles.index(style) :]
            stack.append((style, rest if style == "cn-slide" else _label(rest)))
            heading_only = _is_heading_line(line)
            sibling_title = heading_only and unit.heading_only and unit.style == style
            if sibling_title:
                unit.bare_item = True
            start(_Unit(path(), [line], style, heading_only, bare_item=sibling_title))
        elif label_item and len(label_item.group(1)) <= _FIELD_LABEL_MAX:
            unit.lines.append(line)
            unit.heading_only = False
            unit.closed = True
        elif label_item:
            start(_Unit((*path(), _label(label_item.group(1))), [line]))
        elif _is_heading_line(line) and ":" not in line and "：" not in line:
            if unit.heading_only and stack and stack[-1][0] == "plain":
                stack.append(("plain", line))  # a sub-heading right under a heading
            else:
                stack = [("plain", line)]
            start(_Unit(path(), [line], "plain", heading_only=True))
        elif unit.closed or (unit.bare_item and unit.heading_only):
            # The item above is complete (its method was given, or it ended a list
            # of bare titles): this paragraph speaks of the level above it.
            if stack:
                stack.pop()
            start(_Unit(path(), [line]))
        else:
            unit.lines.append(line)
            unit.heading_only = False
    return units


def _split_long(text: str) -> list[str]:
    if len(text) <= MAX_CHARS:
        return [text]
    head, _, rest = text.partition("\n")
    if not (rest and _is_heading_line(head) or rest and len(head) <= HEADING_MAX_CHARS):
        head, rest = "", text
    pieces: list[str] = []
    for part in re.split(_INLINE_ENUMERATION, rest):
        part = part.strip()
        if part:
            pieces.extend(_splitter.split_text(part) if len(part) > MAX_CHARS else [part])
    if head and pieces:
        # Keep a short title with the first piece of its text.
        pieces[0] = f"{head}\n{pieces[0]}"
    return pieces


def _merge_bare_lists(units: list[_Unit]) -> list[_Unit]:
    """Join a run of bare list titles (the seven exit barriers) into one unit."""
    merged: list[_Unit] = []
    for unit in units:
        prev = merged[-1] if merged else None
        if prev is not None and unit.bare_item and prev.bare_item and prev.style == unit.style:
            prev.lines.extend(unit.lines)
            prev.path = unit.path[:-1]
        else:
            merged.append(unit)
    return merged


def _drop_lone_headings(units: list[_Unit]) -> list[_Unit]:
    """A heading line is a path for what follows, not a passage of its own.

    A document that is nothing but a short line still yields that line.
    """
    units = [u for u in units if u.lines]
    kept = [u for u in units if not (u.heading_only and not u.bare_item)]
    return kept or units


def chunk_text(text: str) -> list[Chunk]:
    """Cut a cleaned document (one paragraph per line) into passages."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    units = _drop_lone_headings(_merge_bare_lists(_units(lines)))
    return [Chunk(piece, unit.path) for unit in units for piece in _split_long(unit.text)]


def heading_text(path: tuple[str, ...]) -> str:
    return PATH_SEPARATOR.join(path)
