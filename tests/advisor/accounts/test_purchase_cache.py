"""The columnar purchase cache: always exactly the store's purchases, or not used at all."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.accounts.importer import import_files
from advisor.accounts.portfolio import analyse_store
from advisor.accounts.purchase_cache import PURCHASE_SCHEMA, PurchaseCache, apply_delta
from advisor.accounts.store import AccountStore, _read_purchases

ACCOUNTS = "account_id,name\nA1,Alpha\nA2,Beta\n"


def _rows(frame: pl.DataFrame) -> Counter[tuple[object, ...]]:
    return Counter(frame.select("account_id", "date", "amount").rows())


def _stored(store: AccountStore) -> Counter[tuple[object, ...]]:
    """The purchases as the database holds them, bypassing the cache."""
    with store.engine.connect() as conn:
        return _rows(_read_purchases(conn))


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.purchases-*.arrow"))


purchase = st.tuples(
    st.sampled_from(["A1", "A2", "B"]),
    st.dates(dt.date(2026, 1, 1), dt.date(2026, 1, 4)),
    st.sampled_from([1.0, 2.5, 100.0]),
)


def _frame(rows: list[tuple[str, dt.date, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=PURCHASE_SCHEMA, orient="row")


@settings(max_examples=60, deadline=None)
@given(st.lists(purchase, max_size=12), st.data())
def test_delta_is_a_multiset_difference(rows, data) -> None:  # type: ignore[no-untyped-def]
    removed = data.draw(
        st.lists(st.sampled_from(rows), max_size=len(rows)) if rows else st.just([])
    )
    # Only rows that are there can be removed, each at most as often as it occurs.
    removable = Counter(rows)
    removed = [r for r in removed if removable[r] > 0 and not removable.subtract([r])]
    added = data.draw(st.lists(purchase, max_size=5))
    result = apply_delta(_frame(rows), _frame(added), _frame(removed))
    assert _rows(result) == Counter(rows) - Counter(removed) + Counter(added)
    assert dict(result.schema) == PURCHASE_SCHEMA


def test_imports_keep_the_cache_exact(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    store = AccountStore(f"sqlite:///{tmp_path / 'a.db'}")
    accounts = write("accounts.csv", ACCOUNTS)
    first = write(
        "t1.csv",
        "transaction_id,account_id,date,amount\n"
        "t1,A1,2026-01-05,100\nt2,A1,2026-01-05,100\nt3,A2,2026-02-01,7\n",
    )
    import_files(store, accounts=accounts, transactions=first)
    # The first import into an empty store starts the cache from its own rows.
    assert _files(tmp_path) == [f"a.db.purchases-{store.data_token()}.arrow"]
    assert _rows(store.purchases()) == _stored(store)

    # t1 changes (one of two equal rows), t4 is new, t3 stays: the cache follows.
    second = write(
        "t2.csv",
        "transaction_id,account_id,date,amount\n"
        "t1,A1,2026-01-06,90\nt3,A2,2026-02-01,7\nt4,A2,2026-03-01,5\n",
    )
    import_files(store, transactions=second)
    assert _files(tmp_path) == [f"a.db.purchases-{store.data_token()}.arrow"]
    cached = store.cache.load(store.data_token())
    assert cached is not None
    assert (
        _rows(cached)
        == _stored(store)
        == Counter(
            {
                ("A1", dt.date(2026, 1, 5), 100.0): 1,
                ("A1", dt.date(2026, 1, 6), 90.0): 1,
                ("A2", dt.date(2026, 2, 1), 7.0): 1,
                ("A2", dt.date(2026, 3, 1), 5.0): 1,
            }
        )
    )

    # An import of accounts alone moves the token, and the cache moves with it.
    import_files(store, accounts=write("acc2.csv", "account_id,name\nA1,Alpha Renamed\n"))
    assert _files(tmp_path) == [f"a.db.purchases-{store.data_token()}.arrow"]
    assert analyse_store(store).account("A1")["name"] == "Alpha Renamed"
    store.close()


def test_a_cache_that_matches_nothing_is_rebuilt(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "a.db"
    store = AccountStore(f"sqlite:///{db}")
    import_files(
        store,
        accounts=write("accounts.csv", ACCOUNTS),
        transactions=write("t.csv", "account_id,date,amount\nA1,2026-01-05,100\n"),
    )
    old_token = store.data_token()
    store.close()
    # The store is deleted and made anew with other data: its revisions count from
    # the start again, but it is another store, so the old file is never read.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    store = AccountStore(f"sqlite:///{db}")
    import_files(
        store,
        accounts=write("accounts.csv", ACCOUNTS),
        transactions=write("t.csv", "account_id,date,amount\nA2,2026-01-07,3\n"),
    )
    assert store.data_token() != old_token
    assert _rows(store.purchases()) == Counter({("A2", dt.date(2026, 1, 7), 3.0): 1})

    # A file lost (or written by nobody) is rebuilt from the database on the next read.
    for path in tmp_path.glob("*.arrow"):
        path.unlink()
    assert _rows(store.purchases()) == _stored(store)
    assert _files(tmp_path) == [f"a.db.purchases-{store.data_token()}.arrow"]
    store.close()


def test_a_folder_that_cannot_hold_the_cache_changes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = PurchaseCache(blocker / "cache", "x")
    frame = _frame([("A1", dt.date(2026, 1, 1), 1.0)])
    cache.save(frame, "t.1")  # no error: the cache is an optimisation only
    assert cache.load("t.1") is None
    cache.advance("t.1", "t.2", frame, frame.clear())
    assert cache.load("t.2") is None


def test_an_in_memory_store_has_no_cache() -> None:
    with AccountStore("sqlite://") as store:
        assert store.cache is None
        assert store.purchases().height == 0


def test_the_listing_shows_what_the_records_say(sample) -> None:  # type: ignore[no-untyped-def]
    """`advisor segment`'s table comes from the cheap listing: it must agree with the
    full records on every account."""
    records = {r["account_id"]: r for r in sample.records("en")}
    listing = sample.listing()
    assert len(listing) == len(records)
    for row in listing:
        full = records[row["account_id"]]
        for field in ("name", "owner", "segment", "previous_segment", "kind"):
            assert row[field] == full[field]
        metric = "revenue" if full["kind"] == "existing" else "expected_revenue"
        assert row["revenue"] == full["metrics"][metric]
        assert row["risks"] == [(r["severity"], r["code"]) for r in full["risks"]]
    only = sample.listing(segments=["EI"])
    assert only and all(r["segment"] == "EI" for r in only)
