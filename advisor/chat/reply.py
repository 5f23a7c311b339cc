"""What the conversation core answers with, described without any chat platform's types.

The bot turns a `Reply` into Telegram messages (HTML, split under the size
limit, an inline keyboard); the terminal prints it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class TextFormat(enum.StrEnum):
    PLAIN = "plain"  # text as it is
    MARKDOWN = "markdown"  # `#` headings and `**bold**` (briefs); the rest is plain


@dataclass(frozen=True)
class Button:
    """A button under a reply: what it says, and the opaque token pressing it sends back."""

    label: str
    data: str  # at most 64 bytes (Telegram's limit for callback data)


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Reply:
    """Paragraphs of text (in order, none to be dropped), with an optional photo and buttons.

    `notice` is a short acknowledgement of a button press (a toast in Telegram);
    `keyboard` replaces the buttons of the message whose button was pressed
    (None: leave them as they are). An empty reply sends nothing.
    """

    parts: tuple[str, ...] = ()
    format: TextFormat = TextFormat.PLAIN
    photo: Path | None = None
    caption: str | None = None
    buttons: Keyboard = ()
    notice: str | None = None
    keyboard: Keyboard | None = field(default=None)

    @property
    def text(self) -> str:
        return "\n\n".join(self.parts)

    @property
    def empty(self) -> bool:
        return not (self.parts or self.photo or self.notice or self.keyboard is not None)


def paragraphs(text: str) -> tuple[str, ...]:
    """Split text at blank lines into non-empty paragraphs."""
    return tuple(p.strip("\n") for p in text.split("\n\n") if p.strip())
