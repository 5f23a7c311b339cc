"""One spelling per id and name: NFKC, no invisible characters, single spaces.

Exports pasted from chat, spreadsheets or web forms carry characters a reader
cannot see: zero-width spaces and joiners, byte-order marks, direction marks,
soft hyphens, control characters; and compatibility forms that look like plain
ones (full-width `Ａ００１`, a no-break space). Left as they are, `A001` and
`A001` + U+200B are two accounts that print the same, so one customer can
appear twice under two owners. The importer therefore normalises account ids,
names, owners and record ids (and the account ids that transactions and events
refer to) with `clean`, and refuses two spellings that become one id.

`clean` (a polars expression), `clean_series` (the same for a column, fast on
plain ASCII) and `clean_text` (for the few header names) do the same thing.
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

_FORMAT = r"\p{Cf}"  # zero-width space/joiners, BOM, word joiner, direction marks, soft hyphen
_BLANKS = r"[\s\p{Cc}]+"  # any run of whitespace or control characters


def clean(expr: pl.Expr) -> pl.Expr:
    """Remove format characters, apply NFKC, turn whitespace and control runs into one space,
    strip the ends."""
    return (
        expr.str.replace_all(_FORMAT, "")
        .str.normalize("NFKC")
        .str.replace_all(_FORMAT, "")
        .str.replace_all(_BLANKS, " ")
        .str.strip_chars()
    )


_PLAIN = r"[^ -~]|  "  # anything but printable ASCII, or a double space: may need cleaning


def clean_series(series: pl.Series) -> pl.Series:
    """`clean` for a column, touching only the values that may change.

    NFKC costs about half a second per million values; ids in exports are
    nearly always plain ASCII, which one pattern test tells apart.
    """
    suspect = series.str.contains(_PLAIN).fill_null(False)
    if not suspect.any():
        return series
    fixed = pl.select(clean(pl.lit(series.filter(suspect)))).to_series()
    return series.scatter(suspect.arg_true(), fixed)


_PY_BLANKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")


def clean_text(text: str) -> str:
    """`clean` for one string."""

    def drop_format(s: str) -> str:
        return "".join(c for c in s if unicodedata.category(c) != "Cf")

    text = drop_format(unicodedata.normalize("NFKC", drop_format(text)))
    return _PY_BLANKS.sub(" ", text).strip()


def shown(text: str) -> str:
    """`text` quoted for a message, invisible characters written as \\uXXXX."""
    visible = "".join(
        c
        if c == " " or (c.isprintable() and unicodedata.category(c) != "Cf")
        else f"\\u{ord(c):04x}"
        for c in text
    )
    return f"'{visible}'"
