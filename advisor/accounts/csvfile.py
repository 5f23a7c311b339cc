"""Read one CSV export into a string table that knows each row's physical line.

polars does the parsing (fast enough for ten-million-row exports). Line numbers
are physical file lines with the header as line 1: a quoted field that spans
lines pushes later rows down, and blank lines are counted and skipped.

When polars refuses a file, the reason is found and tied to a line: bad UTF-8
bytes by decoding line by line, structural faults (a row with too many fields,
an unterminated quote) with the standard library's CSV reader, which reports
the line it stopped at.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from advisor.accounts.normalise import clean_text

LINE = "_line"


@dataclass(frozen=True, order=True)
class Problem:
    """One bad row: rendered as `FILE:LINE: reason`."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class CsvTable:
    """Every column as stripped strings ("" when empty) plus `_line`; header names lower-cased."""

    file: str
    frame: pl.DataFrame

    @property
    def columns(self) -> list[str]:
        return [c for c in self.frame.columns if c != LINE]


class CsvUnreadable(Exception):
    """The file cannot be read as CSV; `problems` say where."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def read_table(path: Path, file: str | None = None) -> CsvTable:
    """Parse `path`; raise CsvUnreadable with line-numbered problems if it is not valid CSV."""
    file = file if file is not None else str(path)
    if not path.is_file():
        raise CsvUnreadable([Problem(file, 1, "no such file")])
    try:
        raw = pl.read_csv(
            path,
            infer_schema=False,
            encoding="utf8",
            quote_char='"',
            raise_if_empty=True,
        )
    except pl.exceptions.NoDataError:
        raise CsvUnreadable([Problem(file, 1, "empty file: a header row is required")]) from None
    except OSError as exc:
        raise CsvUnreadable(
            [Problem(file, 1, f"cannot read the file: {exc.strerror or exc}")]
        ) from None
    except pl.exceptions.PolarsError as exc:
        problems = _diagnose(path, file, exc)
        if problems:
            raise CsvUnreadable(problems) from None
        # Only trailing empty fields (a spreadsheet's stray commas): drop them.
        try:
            raw = pl.read_csv(path, infer_schema=False, encoding="utf8", truncate_ragged_lines=True)
        except pl.exceptions.PolarsError as again:
            raise CsvUnreadable([_unreadable(file, again)]) from None
    repeated = _repeated_columns(path, file, raw.columns)
    if repeated:
        raise CsvUnreadable(repeated)
    return CsvTable(file, _with_lines(raw))


def _repeated_columns(path: Path, file: str, parsed: list[str]) -> list[Problem]:
    """A header naming one column twice (compared as the importer reads names): which of
    the two would be meant is a guess, so it is an error.

    The names come from the standard CSV reader: polars renames a repeated one
    (`amount_duplicated_0`). Empty names (a spreadsheet's stray commas) are not names.
    """
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            names = next(csv.reader(handle), parsed)
    except (OSError, csv.Error):
        names = parsed
    fields: dict[str, list[int]] = {}
    for position, name in enumerate(names, start=1):
        if _normalise(name):
            fields.setdefault(_normalise(name), []).append(position)
    problems = []
    for name, positions in fields.items():
        if len(positions) > 1:
            times = "twice" if len(positions) == 2 else f"{len(positions)} times"
            where = ", ".join(map(str, positions[:-1])) + f" and {positions[-1]}"
            problems.append(Problem(file, 1, f"the header names '{name}' {times} (fields {where})"))
    return problems


def _with_lines(raw: pl.DataFrame) -> pl.DataFrame:
    header_newlines = sum(name.count("\n") for name in raw.columns)
    # Work on neutral names: a header such as "*" or "^a$" would read as a pattern.
    original = list(raw.columns)
    work = [f"_c{i}" for i in range(raw.width)]
    raw = raw.rename(dict(zip(original, work, strict=True)))
    keep: dict[str, str] = {}  # normalised name -> first column with it
    for name, column in zip((_normalise(n) for n in original), work, strict=True):
        if name != LINE:
            keep.setdefault(name, column)
    if work:
        newlines = pl.sum_horizontal(
            [pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in work]
        )
    else:
        newlines = pl.lit(0)
    kept = list(keep.values())
    frame = raw.select(
        [pl.col(c).fill_null("").str.strip_chars() for c in kept]
        + [newlines.cast(pl.Int64).alias("_nl")]
    )
    frame = frame.with_columns(
        (
            pl.int_range(pl.len(), dtype=pl.Int64)
            + 2
            + header_newlines
            + pl.col("_nl").cum_sum()
            - pl.col("_nl")
        ).alias(LINE)
    ).drop("_nl")
    # A blank line, or one of bare commas, holds no record: count it, skip it.
    if kept:
        frame = frame.filter(pl.any_horizontal([pl.col(c) != "" for c in kept]))
    return frame.rename({column: name for name, column in keep.items()})


def _normalise(name: str) -> str:
    """A header name as matched: NFKC, no invisible characters, single spaces, lower case."""
    return clean_text(name).lower()


def _diagnose(path: Path, file: str, exc: Exception) -> list[Problem]:
    try:
        data = path.read_bytes()
    except OSError as err:
        return [Problem(file, 1, f"cannot read the file: {err.strerror or err}")]
    problems = _bad_utf8(data, file)
    if problems:
        return problems
    text = data.decode("utf-8-sig")
    problems, only_empty_extras = _structure(text, file)
    if problems or only_empty_extras:
        return problems
    return [_unreadable(file, exc)]


def _unreadable(file: str, exc: Exception) -> Problem:
    """A parser failure no finer check explains: its own words, on its line if it names one."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    match = re.search(r"\b(?:line|row)\s+(\d+)", str(exc))
    line = max(1, int(match.group(1))) if match else 1
    return Problem(file, line, f"not readable as CSV: {first}")


def _bad_utf8(data: bytes, file: str) -> list[Problem]:
    problems = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as err:
            byte = line[err.start]
            problems.append(
                Problem(
                    file, number, f"not valid UTF-8 (byte 0x{byte:02x} at column {err.start + 1})"
                )
            )
    return problems


def _structure(text: str, file: str) -> tuple[list[Problem], bool]:
    """Rows the standard CSV reader finds malformed, by the line each starts on.

    Also says whether the only fault is rows longer than the header whose extra
    fields are all empty, which is harmless.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[Problem] = []
    width: int | None = None
    empty_extras = False
    start = 1
    try:
        for row in reader:
            if width is None:
                width = len(row)
            elif len(row) > width:
                if any(field.strip() for field in row[width:]):
                    problems.append(
                        Problem(file, start, f"expected {width} fields, found {len(row)}")
                    )
                else:
                    empty_extras = True
            start = reader.line_num + 1
    except csv.Error as err:
        problems.append(Problem(file, start, f"malformed CSV: {err}"))
    return problems, empty_extras and not problems
