"""Quoting a passage: where it comes from, and its text cut to a length."""

from __future__ import annotations


def clipped(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when something was cut."""
    return text if len(text) <= limit else text[:limit] + "…"


def where(source: str, heading: str | None) -> str:
    """A passage's place: its source, and its heading when it has one."""
    return f"{source} · {heading}" if heading else source
