"""Look-alike ids: ids and names are normalised on import, two spellings of one id refused.

`A001` with a zero-width space printed like `A001` but was a second account,
so one customer could appear twice under two owners.
"""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.accounts import schema
from advisor.accounts.importer import import_files
from advisor.accounts.normalise import clean, clean_series, clean_text
from advisor.accounts.store import AccountStore
from advisor.errors import ImportRowsError

SAME = "once invisible and look-alike characters are removed"


def test_a_zero_width_id_is_refused_as_a_second_account(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "accounts.csv",
        "account_id,name,owner\nA001,ABC Trading,kim\nA001\u200b,ABC Trading,lee\nＡ００１,ABC,lee\n",
    )
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, accounts=path)
    assert exc.value.problems == [
        f"{path}:3: account_id 'A001\\u200b' is the same id as 'A001' on line 2 {SAME}",
        f"{path}:4: account_id 'Ａ００１' is the same id as 'A001' on line 2 {SAME}",
    ]
    assert store.counts()["accounts"] == 0


def test_ids_names_and_owners_are_stored_normalised(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    accounts = write(
        "accounts.csv",
        "account_id,name,owner\n\u200bA001\u2060,ABC\u00a0 Trading\u200d,ｋｉｍ\u200e\n"
        "A002,한빛\u200b유통,lee\x7f\n",
    )
    txs = write(
        "transactions.csv",
        "account_id,date,amount,transaction_id\nA001\u200b,2026-09-15,100,T1\nＡ001,2026-09-16,5,T2\u00ad\n",
    )
    evs = write("events.csv", "account_id,date,type\nA002\ufeff,2026-09-15,visit\n")
    import_files(store, accounts=accounts, transactions=txs, events=evs)
    rows = store.accounts().select("account_id", "name", "owner").rows()
    assert rows == [("A001", "ABC Trading", "kim"), ("A002", "한빛유통", "lee")]
    assert store.transactions().sort("key")[["key", "account_id"]].rows() == [
        ("id:T1", "A001"),
        ("id:T2", "A001"),
    ]
    assert store.events()["account_id"].to_list() == ["A002"]

    # The same account spelled with an invisible character updates it: still one A001.
    again = write("again.csv", "account_id,name,owner\nA001\u200b,ABC Trading,lee\n")
    import_files(store, accounts=again)
    assert store.account_ids() == {"A001", "A002"}
    assert store.get_account("A001")["owner"] == "lee"  # type: ignore[index]


def test_look_alike_record_ids_are_refused(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    import_files(store, accounts=write("a.csv", "account_id,name\nA1,X\n"))
    txs = write(
        "t.csv",
        "account_id,date,amount,transaction_id\nA1,2026-01-01,1,T1\nA1,2026-01-02,2,T1\u200c\n",
    )
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, transactions=txs)
    assert exc.value.problems == [
        f"{txs}:3: transaction_id 'T1\\u200c' is the same id as 'T1' on line 2 {SAME}"
    ]


def test_an_id_that_becomes_one_stored_under_another_spelling_is_refused(
    store: AccountStore,
    write,  # type: ignore[no-untyped-def]
) -> None:
    # Imported before ids were normalised.
    with store.engine.begin() as conn:
        conn.execute(
            schema.accounts.insert().values(account_id="A001\u200b", name="ABC", owner="lee")
        )
    path = write("accounts.csv", "account_id,name,owner\nA001,ABC Trading,kim\n")
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, accounts=path)
    assert exc.value.problems == [
        f"{path}:2: account_id 'A001' is the same id as the stored account 'A001\\u200b' {SAME}"
    ]


invisible = st.sampled_from(
    [
        "\u200b",
        "\u200c",
        "\u200d",
        "\u2060",
        "\ufeff",
        "\u00ad",
        "\u200e",
        "\u202e",
        "\x00",
        "\x07",
        "\t",
        "\u00a0",
        "\u3000",
    ]
)
id_text = st.lists(st.one_of(st.sampled_from(list("A0a1한华Ａ１ -")), invisible), max_size=10).map(
    "".join
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.one_of(id_text, st.text(max_size=12)))
def test_cleaning_is_idempotent_and_leaves_nothing_invisible(text: str) -> None:
    cleaned = pl.select(clean(pl.lit(text, dtype=pl.String))).item()
    assert cleaned == clean_text(text)
    assert clean_series(pl.Series([text, "A1"])).to_list() == [cleaned, "A1"]
    assert pl.select(clean(pl.lit(cleaned, dtype=pl.String))).item() == cleaned
    assert unicodedata.normalize("NFKC", cleaned) == cleaned
    assert not any(unicodedata.category(c) in ("Cf", "Cc") for c in cleaned)
    assert cleaned == cleaned.strip() and "  " not in cleaned


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(id_text, min_size=1, max_size=4))
def test_spellings_of_one_id_never_become_two_accounts(spellings: list[str]) -> None:
    """However an id is spelled in one file, it is stored once or the import is refused."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "accounts.csv"
        lines = [f'"{s}",name {i}' for i, s in enumerate(spellings)]
        path.write_text("account_id,name\n" + "\n".join(lines) + "\n", encoding="utf-8")
        store = AccountStore("sqlite://")
        try:
            try:
                import_files(store, accounts=path)
            except ImportRowsError:
                assert store.counts()["accounts"] == 0
            else:
                ids = store.account_ids()
                assert ids == {clean_text(s) for s in spellings if clean_text(s)}
                assert len(ids) == len(spellings)  # distinct after cleaning, else refused
        finally:
            store.close()
