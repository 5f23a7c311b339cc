"""Numbers too large to store and headers naming a column twice: `FILE:LINE: reason`, nothing stored."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from advisor.accounts.importer import MAX_NUMBER, import_files
from advisor.accounts.store import AccountStore
from advisor.errors import ImportRowsError

ACCOUNTS = "account_id,name\nA1,ABC Trading\n"
LIMIT = "at most 10,000,000,000,000"
EMPTY = {"accounts": 0, "transactions": 0, "events": 0}


def test_an_amount_or_quantity_too_large_is_a_row_error(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    accounts = write("accounts.csv", ACCOUNTS)
    txs = write(
        "transactions.csv",
        "account_id,date,amount,quantity\n"
        "A1,2026-01-01,1e17,1\n"
        "A1,2026-01-02,5,1e300\n"
        "A1,2026-01-03,123456789012345678901234567890,\n"
        "A1,2026-01-04,1e400,\n"
        "A1,2026-01-05,10000000000000,10000000000000\n",  # exactly the limit: fine
    )
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, accounts=accounts, transactions=txs)
    assert exc.value.problems == [
        f"{txs}:2: amount 1e17 is too large ({LIMIT})",
        f"{txs}:3: quantity 1e300 is too large ({LIMIT})",
        f"{txs}:4: amount 123456789012345678901234567890 is too large ({LIMIT})",
        f"{txs}:5: amount 1e400 is too large ({LIMIT})",
    ]
    assert store.counts() == EMPTY  # not even the accounts of the same import


def test_an_event_value_or_expected_revenue_too_large_is_a_row_error(
    store: AccountStore, write
) -> None:  # type: ignore[no-untyped-def]
    accounts = write(
        "accounts.csv", "account_id,name,stage,expected_revenue\nA1,X,prospect,1e300\nA2,Y,,\n"
    )
    evs = write("events.csv", "account_id,date,type,value\nA2,2026-01-01,overdue,1e17\n")
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, accounts=accounts, events=evs)
    assert exc.value.problems == [
        f"{accounts}:2: expected_revenue 1e300 is too large ({LIMIT})",
        f"{evs}:2: value 1e17 is too large ({LIMIT})",
    ]
    assert store.counts() == EMPTY


def test_a_header_naming_a_column_twice_is_an_error(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    accounts = write("accounts.csv", "account_id,name,owner,Name\nA1,X,kim,Y\n")
    txs = write(
        "transactions.csv", "account_id,date,amount,amount, AMOUNT\u200b,,\nA1,2026-01-01,1,2,3,,\n"
    )
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, accounts=accounts, transactions=txs)
    assert exc.value.problems == [
        f"{accounts}:1: the header names 'name' twice (fields 2 and 4)",
        f"{txs}:1: the header names 'amount' 3 times (fields 3, 4 and 5)",
    ]
    assert store.counts() == EMPTY


def _numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.floats(allow_nan=False, allow_infinity=False, min_value=0).map(repr),
        st.integers(0, 10**40).map(str),
        st.floats(min_value=1e12, max_value=1e14).map(repr),
        st.sampled_from(["1e17", "1e300", "1e13", "10000000000000.001"]),
    )


@settings(max_examples=150, deadline=None, derandomize=True)
@given(amount=_numbers(), quantity=_numbers(), value=_numbers())
@example(amount="1e17", quantity="1", value="1")
@example(amount="1", quantity="1e300", value="1")
def test_a_number_imports_when_it_fits_else_the_row_is_refused(
    amount: str, quantity: str, value: str
) -> None:
    """Never a traceback: every non-negative number imports when at most the limit, and is
    otherwise a `too large` row error with nothing stored."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "a.csv").write_text(ACCOUNTS, encoding="utf-8")
        (folder / "t.csv").write_text(
            f"account_id,date,amount,quantity\nA1,2026-01-01,{amount},{quantity}\n",
            encoding="utf-8",
        )
        (folder / "e.csv").write_text(
            f"account_id,date,type,value\nA1,2026-01-01,overdue,{value}\n", encoding="utf-8"
        )
        fits = all(float(n) <= MAX_NUMBER for n in (amount, quantity, value))
        store = AccountStore("sqlite://")
        try:
            if fits:
                import_files(
                    store,
                    accounts=folder / "a.csv",
                    transactions=folder / "t.csv",
                    events=folder / "e.csv",
                )
                stored = store.transactions().row(0, named=True)
                assert math.isclose(stored["amount"], float(amount))
                assert math.isclose(stored["quantity"], float(quantity))
            else:
                with pytest.raises(ImportRowsError) as exc:
                    import_files(
                        store,
                        accounts=folder / "a.csv",
                        transactions=folder / "t.csv",
                        events=folder / "e.csv",
                    )
                assert all("is too large" in p for p in exc.value.problems)
                assert store.counts() == EMPTY
        finally:
            store.close()
