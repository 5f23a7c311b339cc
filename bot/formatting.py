"""Pure formatting of a conversation `Reply` for Telegram.

Text becomes Telegram HTML with everything escaped (only our own `<b>` tags
survive), cut into messages at paragraph boundaries under Telegram's limit of
4,096 characters, with nothing dropped; each message keeps a plain-text twin
for when the API rejects the HTML. Buttons become an inline keyboard.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from advisor.chat.core import TextFormat
from advisor.chat.reply import Keyboard

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Chunk:
    """One Telegram message: its HTML, and the same text plain for the fallback."""

    html: str
    plain: str
    source: str  # the text it was made from (Markdown stays Markdown), to cut it again


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def to_html(text: str, fmt: TextFormat = TextFormat.PLAIN) -> str:
    """Escape the text for Telegram HTML; in Markdown, headings and **bold** become <b>."""
    if fmt is not TextFormat.MARKDOWN:
        return html.escape(text, quote=False)
    lines = []
    for line in text.split("\n"):
        heading = _HEADING.match(line)
        if heading:
            title = _BOLD.sub(r"\1", heading.group(1))
            lines.append(f"<b>{html.escape(title, quote=False)}</b>")
        else:
            lines.append(_bold(html.escape(line, quote=False)))
    return "\n".join(lines)


def _bold(escaped: str) -> str:
    return _BOLD.sub(r"<b>\1</b>", escaped)


def to_plain(text: str, fmt: TextFormat = TextFormat.PLAIN) -> str:
    """The text without Markdown markers, for the plain-text fallback and for captions."""
    if fmt is not TextFormat.MARKDOWN:
        return text
    lines = []
    for line in text.split("\n"):
        heading = _HEADING.match(line)
        lines.append(_BOLD.sub(r"\1", heading.group(1) if heading else line))
    return "\n".join(lines)


def split_message(
    parts: Sequence[str], fmt: TextFormat = TextFormat.PLAIN, limit: int = MESSAGE_LIMIT
) -> list[Chunk]:
    """Paragraphs packed into messages whose HTML fits `limit`, in order, none dropped.

    Paragraphs are joined by a blank line; a paragraph too long for one message
    is cut at line ends, then at sentence ends, then at spaces, and only as a
    last resort in the middle of a word. Only whitespace at a cut is lost. In
    Markdown, a **bold** span cut in two is closed before the cut and opened
    again after it, so both messages show it bold instead of literal `**`.
    """
    markdown = fmt is TextFormat.MARKDOWN
    room = limit - (_BOLD_ROOM if markdown else 0)

    def fits(text: str) -> bool:
        return telegram_length(to_html(text, fmt)) <= room

    pieces: list[tuple[str, bool]] = []
    for part in parts:
        if part.strip():
            body = part.strip("\n")
            pieces += _mid_line(body, list(_cut(body, fits)))
    chunks: list[tuple[str, bool]] = []
    for piece, mid in pieces:
        # A piece cut from the middle of a line is not joined to the next one: a blank
        # line would then break the line (and any bold span) in two.
        if chunks and not chunks[-1][1] and fits(chunks[-1][0] + "\n\n" + piece):
            chunks[-1] = (chunks[-1][0] + "\n\n" + piece, mid)
        else:
            chunks.append((piece, mid))
    texts = _balance_bold(chunks) if markdown else [c for c, _ in chunks]
    return [Chunk(to_html(c, fmt), to_plain(c, fmt), c) for c in texts]


# Closing a cut bold span and opening it again turns two literal `**` (2 units each)
# into <b>…</b> at both ends of a message: at most 10 more units.
_BOLD_ROOM = 10


def _mid_line(body: str, pieces: list[str]) -> list[tuple[str, bool]]:
    """Each piece of `body`, and whether the next piece goes on with the same line."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for n, piece in enumerate(pieces):
        start = body.find(piece, pos)
        end = (start if start >= 0 else pos) + len(piece)
        pos = end
        mid = False
        if n + 1 < len(pieces):
            following = body.find(pieces[n + 1], end)
            mid = following >= 0 and "\n" not in body[end:following]
        out.append((piece, mid))
    return out


def _balance_bold(chunks: list[tuple[str, bool]]) -> list[str]:
    """Close a bold span left open at a cut inside a line, and reopen it after the cut."""
    texts = [c for c, _ in chunks]
    for n in range(len(texts) - 1):
        if not chunks[n][1]:
            continue
        tail = texts[n].rsplit("\n", 1)[-1]
        head = texts[n + 1].split("\n", 1)[0]
        if (
            tail.count("**") % 2
            and head.count("**") % 2
            and not tail.endswith("**")
            and not head.startswith("**")
        ):
            texts[n] += "**"
            texts[n + 1] = "**" + texts[n + 1]
    return texts


Fits = Callable[[str], bool]
# Units keep their trailing separator, so joining them gives the text back.
_SPLITTERS = (
    re.compile(r"[^\n]*\n+|[^\n]+"),  # lines
    re.compile(r".+?(?:[.!?。！？]+\s*|$)", re.DOTALL),  # sentences
    re.compile(r"\S+\s*|\s+"),  # words
)


def _cut(text: str, fits: Fits) -> Iterator[str]:
    """Pieces of one paragraph, each fitting, in order."""
    if fits(text):
        yield text
        return
    for splitter in _SPLITTERS:
        units = splitter.findall(text)
        if len(units) > 1:
            yield from _pack(units, fits)
            return
    yield from _hard_cut(text, fits)


def _pack(units: list[str], fits: Fits) -> Iterator[str]:
    """Greedily join units into fitting pieces, cutting a unit further when it alone is too long."""
    current = ""
    for unit in units:
        if fits((current + unit).rstrip()):
            current += unit
            continue
        if current.strip():
            yield current.rstrip()
        if fits(unit.rstrip()):
            current = unit
        else:
            yield from _cut(unit.rstrip(), fits)
            current = ""
    if current.strip():
        yield current.rstrip()


def _hard_cut(text: str, fits: Fits) -> Iterator[str]:
    while text:
        low, high = 1, len(text)
        while low < high:  # the longest prefix that fits
            middle = (low + high + 1) // 2
            if fits(text[:middle]):
                low = middle
            else:
                high = middle - 1
        yield text[:low]
        text = text[low:]


def caption(text: str | None) -> str | None:
    """A photo caption (plain text) cut to Telegram's 1,024 characters."""
    if not text:
        return None
    if telegram_length(text) <= CAPTION_LIMIT:
        return text
    return text[: CAPTION_LIMIT // 2 - 1] + "…"


def keyboard(rows: Keyboard | None) -> InlineKeyboardMarkup | None:
    """The abstract buttons as an inline keyboard (None when there are none)."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )
