"""Property tests: any input either imports fully or raises ImportRowsError with line numbers.

Never another exception, never a partial import.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from advisor.accounts.csvfile import CsvUnreadable, read_table
from advisor.accounts.importer import import_files
from advisor.accounts.store import AccountStore
from advisor.errors import ImportRowsError

SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
ACCOUNTS = "account_id,name,owner\nA1,ABC Trading,kim\nA2,한빛유통,lee\n"

tricky_text = st.text(
    alphabet=st.sampled_from(list('ab ,"\n\r\t;한华é') + ["\ufeff", "\x00"]), max_size=8
)
account_ids = st.one_of(st.sampled_from(["A1", "A2", "ZZ", "", " A1 ", "a1"]), tricky_text)
dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["2026-02-30", "", "2026/01/01", "2026-1-5", "0001-01-01", "9999-12-31"]),
    tricky_text,
)
numbers = st.one_of(
    st.integers(-10, 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        ["", "abc", "1,200", "1e5", " 5 ", "-0", "0x10", "nan", "1e400", "1e17", "1e300"]
    ),
    tricky_text,
)
COLUMNS = {
    "transactions": {
        "account_id": account_ids,
        "date": dates,
        "amount": numbers,
        "quantity": numbers,
        "product": tricky_text,
        "transaction_id": st.one_of(st.sampled_from(["T1", "T2", ""]), tricky_text),
    },
    "events": {
        "account_id": account_ids,
        "date": dates,
        "type": st.one_of(
            st.sampled_from(["visit", "complaint", "satisfaction", "lost", "Overdue", "call", ""]),
            tricky_text,
        ),
        "value": st.one_of(st.sampled_from(["1", "3", "5", "7", "2.5"]), numbers),
        "note": tricky_text,
        "event_id": st.one_of(st.sampled_from(["E1", "E2", ""]), tricky_text),
    },
    "accounts": {
        "account_id": account_ids,
        "name": tricky_text,
        "owner": tricky_text,
        "stage": st.one_of(
            st.sampled_from(["existing", "prospect", "future", "", "Client"]), tricky_text
        ),
        "expected_revenue": numbers,
        "intent": st.one_of(st.sampled_from(["low", "medium", "HIGH", "0.5", "2", ""]), numbers),
    },
}


@st.composite
def csv_files(draw: st.DrawFn, kind: str) -> tuple[bytes, bool]:
    """(file bytes, well_formed): a header of some of the columns, rows written by a
    real CSV writer or joined by hand, with BOM, CRLF, blank lines and stray bytes."""
    columns = COLUMNS[kind]
    names = draw(
        st.lists(st.sampled_from(list(columns)), min_size=1, max_size=len(columns), unique=True)
    )
    rows = draw(st.lists(st.tuples(*[columns[n] for n in names]), max_size=6))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    well_formed = draw(st.booleans())
    if well_formed:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=newline)
        writer.writerow(names)
        writer.writerows(rows)
        text = buffer.getvalue()
    else:
        lines = [",".join(names)] + [",".join(row) for row in rows]
        if draw(st.booleans()):
            lines.insert(draw(st.integers(1, len(lines))), "")
        text = newline.join(lines) + newline
    if draw(st.booleans()):
        text = "\ufeff" + text
    data = text.encode("utf-8")
    if draw(st.integers(0, 9)) == 0:
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(min_size=1, max_size=3)) + data[cut:]
    return data, well_formed


def _check(kind: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        store = AccountStore("sqlite://")  # in memory: the same code path, no fsync per example
        try:
            accounts = directory / "accounts.csv"
            accounts.write_text(ACCOUNTS, encoding="utf-8")
            import_files(store, accounts=accounts)
            before = store.counts()
            path = directory / f"{kind}.csv"
            path.write_bytes(data)
            try:
                result = import_files(store, **{kind: path})
            except ImportRowsError as exc:
                assert exc.problems and exc.total >= len(exc.problems)
                pattern = re.compile(rf"^{re.escape(str(path))}:([1-9][0-9]*): \S")
                for problem in exc.problems:
                    assert pattern.match(problem), problem
                assert store.counts() == before  # nothing from the failed import
            else:
                counts = result.counts[kind]
                stored = store.counts()[kind] - (before[kind] if kind != "accounts" else 0)
                if kind == "accounts":
                    # Every row of the file is now in the store (new or updating A1/A2).
                    assert counts.inserted + counts.updated + counts.unchanged == _rows(path)
                    assert stored == before["accounts"] + counts.inserted
                else:
                    assert counts.updated == counts.unchanged == 0
                    assert stored == counts.inserted == _rows(path)
        finally:
            store.close()


def _rows(path: Path) -> int:
    return read_table(path).frame.height


@SETTINGS
@given(csv_files("transactions"))
def test_transactions_import_fully_or_not_at_all(file: tuple[bytes, bool]) -> None:
    data, well_formed = file
    _check("transactions", data)
    if well_formed and b"\r" not in data.replace(b"\r\n", b"") and not _stray(data):
        _agree_with_stdlib(data)


@SETTINGS
@given(csv_files("events"))
def test_events_import_fully_or_not_at_all(file: tuple[bytes, bool]) -> None:
    _check("events", file[0])


@SETTINGS
@given(csv_files("accounts"))
def test_accounts_import_fully_or_not_at_all(file: tuple[bytes, bool]) -> None:
    _check("accounts", file[0])


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.binary(max_size=200))
@example(b"*")  # a header that polars would read as "every column"
@example(b'\x00name,owner\n,,\r;"\n')  # stdlib and polars disagree: still a clean error
def test_arbitrary_bytes(data: bytes) -> None:
    _check("transactions", data)


def _stray(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return b"\x00" in data


def _agree_with_stdlib(data: bytes) -> None:
    """For well-formed files the row count and the line numbers match Python's csv module."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_bytes(data)
        try:
            table = read_table(path)
        except CsvUnreadable:
            return
        reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        starts, start = [], 1
        next(reader, None)
        start = reader.line_num + 1
        for row in reader:
            if any(field.strip() for field in row):
                starts.append(start)
            start = reader.line_num + 1
        assert table.frame["_line"].to_list() == starts
