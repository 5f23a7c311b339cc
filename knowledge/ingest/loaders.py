"""Reading documents: bundled sources and the user's own playbooks.

Supported: `.txt`, `.md` (UTF-8, a BOM accepted), `.pdf` (pypdf), `.docx`
(python-docx). A file that cannot be read or holds no text raises
`UnreadableDocumentError` naming it, so an ingest can report it and go on:
so does anything that is not a regular file (a FIFO would block the reader
forever) and binary data posing as text (NUL or other control bytes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from knowledge.errors import UnreadableDocumentError

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")
# Text has no NUL, and few control characters besides tab, newline, form feed and
# carriage return; above this share, a file is binary data whatever its name says.
_CONTROL_SHARE = 0.05
_CONTROLS = re.compile("[\x01-\x08\x0e-\x1f\x7f]")


def _read_plain(path: Path) -> str:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocumentError(
            f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 and ingest again"
        ) from exc
    nul = text.find("\x00")
    if nul >= 0:
        raise UnreadableDocumentError(f"{path}: binary data, not text (a NUL byte at {nul})")
    controls = len(_CONTROLS.findall(text))
    if controls > _CONTROL_SHARE * len(text):
        raise UnreadableDocumentError(
            f"{path}: binary data, not text ({controls} control characters)"
        )
    return text


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:  # noqa: BLE001 - a malformed file fails in many ways
        raise UnreadableDocumentError(f"{path}: not a readable PDF ({exc})") from exc


def _read_docx(path: Path) -> str:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # noqa: BLE001 - a malformed file fails in many ways
        raise UnreadableDocumentError(f"{path}: not a readable .docx file ({exc})") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def read_document(path: Path) -> str:
    """The text of one document; raises UnreadableDocumentError."""
    suffix = path.suffix.lower()
    if path.exists() and not path.is_file():
        raise UnreadableDocumentError(f"{path}: not a regular file (a FIFO, a socket or a device)")
    try:
        if suffix in (".txt", ".md"):
            text = _read_plain(path)
        elif suffix == ".pdf":
            text = _read_pdf(path)
        elif suffix == ".docx":
            text = _read_docx(path)
        else:
            raise UnreadableDocumentError(
                f"{path}: unsupported file type (use {', '.join(SUPPORTED_SUFFIXES)})"
            )
    except PermissionError as exc:
        raise UnreadableDocumentError(f"{path}: permission denied") from exc
    except FileNotFoundError as exc:
        raise UnreadableDocumentError(f"{path}: no such file") from exc
    if not text.strip():
        raise UnreadableDocumentError(f"{path}: no text in it (empty, or a scanned image)")
    return text


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and every supported file under named folders."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield child.resolve()
        else:
            yield path.resolve()
