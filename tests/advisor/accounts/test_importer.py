"""The importer: exact `FILE:LINE: reason` for each error class, encodings, idempotence, all-or-nothing."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from advisor.accounts import schema
from advisor.accounts.importer import import_files
from advisor.accounts.store import AccountStore
from advisor.errors import AdvisorError, ImportRowsError

ACCOUNTS = "account_id,name,owner,stage,expected_revenue,intent\nA1,ABC Trading,kim.minji,,,\nA2,한빛유통,lee.junho,existing,,\n"
TX_HEADER = "account_id,date,amount,quantity,product\n"


def problems_of(exc: pytest.ExceptionInfo[ImportRowsError]) -> list[str]:
    return exc.value.problems


def test_account_errors(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "accounts.csv",
        "account_id,name,owner,stage,expected_revenue,intent\n"
        "A1,ABC,kim,,,\n"
        "A1,Dup,kim,,,\n"
        ",NoId,kim,,,\n"
        "A3,,kim,,,\n"
        "A4,X,kim,client,,\n"
        "A5,X,kim,prospect,-3,maybe\n"
        "A6,X,kim,prospect,lots,1.5\n"
        "A7,X,kim,Prospect,100,HIGH\n",
    )
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, accounts=path)
    f = str(path)
    assert problems_of(exc) == [
        f"{f}:3: duplicate account_id 'A1' (first on line 2)",
        f"{f}:4: missing required field 'account_id'",
        f"{f}:5: missing required field 'name'",
        f"{f}:6: stage 'client' must be existing, prospect or future",
        f"{f}:7: intent 'maybe' must be a number 0-1 or low/medium/high; expected_revenue -3 is negative",
        f"{f}:8: intent '1.5' must be a number 0-1 or low/medium/high; expected_revenue 'lots' is not a number",
    ]
    assert exc.value.total == 6
    assert store.counts() == {"accounts": 0, "transactions": 0, "events": 0}


def test_transaction_errors(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    accounts = write("accounts.csv", ACCOUNTS)
    path = write(
        "transactions.csv",
        TX_HEADER + "A1,2026-02-30,10,,\n"
        "A1,2026-01-05,abc,,\n"
        "A1,2026-01-05,-5,,\n"
        "ZZ,2026-01-05,5,,\n"
        "A1,,5,,\n"
        "A1,2026-01-05,,,\n"
        "A1,2026-01-05,5,x,\n"
        "A1,26-01-05,5,,\n"
        "A1,2026-01-05,inf,,\n"
        "A2,2026-01-05,1200.50,3,widget\n",
    )
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, accounts=accounts, transactions=path)
    f = str(path)
    assert problems_of(exc) == [
        f"{f}:2: date '2026-02-30' is not a valid date (YYYY-MM-DD)",
        f"{f}:3: amount 'abc' is not a number",
        f"{f}:4: amount -5 is negative",
        f"{f}:5: unknown account 'ZZ' (not in the accounts file nor the store)",
        f"{f}:6: missing required field 'date'",
        f"{f}:7: missing required field 'amount'",
        f"{f}:8: quantity 'x' is not a number",
        f"{f}:9: date '26-01-05' is not a valid date (YYYY-MM-DD)",
        f"{f}:10: amount 'inf' is not a number",
    ]
    assert store.counts()["accounts"] == 0  # the good accounts file was not stored either


def test_event_errors(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    accounts = write("accounts.csv", ACCOUNTS)
    path = write(
        "events.csv",
        "account_id,date,type,value,note\n"
        "A1,2026-01-05,call,,\n"
        "A1,2026-01-05,satisfaction,7,\n"
        "A1,2026-01-05,satisfaction,,\n"
        "A1,2026-01-05,overdue,lots,\n"
        "A1,2026-01-05,,,\n"
        "A1,2026-01-05,Satisfaction,2,\n",
    )
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, accounts=accounts, events=path)
    f = str(path)
    assert problems_of(exc) == [
        f"{f}:2: unknown event type 'call' (expected one of: complaint, resolved, overdue, "
        "competitor_offer, satisfaction, visit, lost)",
        f"{f}:3: satisfaction value must be 1-5, got '7'",
        f"{f}:4: satisfaction value must be 1-5, got ''",
        f"{f}:5: value 'lots' is not a number",
        f"{f}:6: missing required field 'type'",
    ]


def test_duplicate_ids(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    accounts = write("accounts.csv", ACCOUNTS)
    txs = write(
        "t.csv",
        "transaction_id,account_id,date,amount\nT1,A1,2026-01-05,1\nT2,A1,2026-01-05,1\nT1,A2,2026-01-06,2\n",
    )
    evs = write(
        "e.csv", "event_id,account_id,date,type\nE1,A1,2026-01-05,visit\nE1,A1,2026-01-06,visit\n"
    )
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, accounts=accounts, transactions=txs, events=evs)
    assert problems_of(exc) == [
        f"{txs}:4: duplicate transaction_id 'T1' (first on line 2)",
        f"{evs}:3: duplicate event_id 'E1' (first on line 2)",
    ]


def test_header_and_file_errors(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    no_amount = write("t.csv", "account_id,date,qty\nA1,2026-01-01,1\n")
    empty = write("e.csv", "")
    missing = Path(write("x", "")).with_name("missing.csv")
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, accounts=missing, transactions=no_amount, events=empty)
    assert problems_of(exc) == [
        f"{missing}:1: no such file",
        f"{no_amount}:1: missing required column 'amount'",
        f"{empty}:1: empty file: a header row is required",
    ]
    with pytest.raises(AdvisorError, match="nothing to import"):
        import_files(store)


def test_non_utf8_bytes(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    write("a.csv", ACCOUNTS)
    path = write(
        "t.csv",
        (TX_HEADER + "A1,2026-01-05,5,,caf").encode()
        + b"\xe9\nA1,2026-01-06,5,,ok\nA1,2026-01-07,5,,\xff\xfe\n",
    )
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, transactions=path)
    assert problems_of(exc) == [
        f"{path}:2: not valid UTF-8 (byte 0xe9 at column 21)",
        f"{path}:4: not valid UTF-8 (byte 0xff at column 18)",
    ]


def test_bom_crlf_quotes_and_physical_lines(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    accounts = write("a.csv", "\ufeff" + ACCOUNTS.replace("\n", "\r\n"))
    path = write(
        "t.csv",
        "\ufeffAccount_ID,Date,Amount,Product\r\n"
        'A1,2026-01-05,5,"two\r\nline product"\r\n'
        "\r\n"
        "A1,2026-01-06,-1,plain\r\n",
    )
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, accounts=accounts, transactions=path)
    # Header line 1, the quoted field spans 2-3, a blank line 4, the bad row is line 5.
    assert problems_of(exc) == [f"{path}:5: amount -1 is negative"]
    good = write("t2.csv", '\ufeffAccount_ID,Date,Amount,Product\r\nA1,2026-01-05,5,"a, b"\r\n')
    result = import_files(store, accounts=accounts, transactions=good)
    assert result.as_dict()["transactions"]["inserted"] == 1
    assert store.transactions()["product"].to_list() == ["a, b"]
    assert store.get_account("A2")["name"] == "한빛유통"  # type: ignore[index]


def test_structural_errors(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    write("a.csv", ACCOUNTS)
    ragged = write("t.csv", TX_HEADER + "A1,2026-01-05,5,1,x\nA1,2026-01-05,5,1,x,extra\n")
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, transactions=ragged)
    assert problems_of(exc) == [f"{ragged}:3: expected 5 fields, found 6"]
    unterminated = write("u.csv", TX_HEADER + 'A1,2026-01-05,5,1,"open\nA1,2026-01-06,5,1,x\n')
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, transactions=unterminated)
    assert problems_of(exc) == [f"{unterminated}:2: malformed CSV: unexpected end of data"]


def test_trailing_empty_fields_are_harmless(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    accounts = write("a.csv", ACCOUNTS)
    path = write("t.csv", TX_HEADER + "A1,2026-01-05,5,1,x,,\n")
    assert (
        import_files(store, accounts=accounts, transactions=path).as_dict()["transactions"][
            "inserted"
        ]
        == 1
    )


def test_at_most_fifty_listed_all_counted(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    path = write("t.csv", TX_HEADER + "".join(f"A{i},2026-01-05,5,,\n" for i in range(60)))
    with pytest.raises(ImportRowsError) as exc:
        import_files(store, transactions=path)
    assert len(exc.value.problems) == 50
    assert exc.value.total == 60
    assert exc.value.problems[-1].startswith(f"{path}:51: unknown account 'A49'")
    assert str(exc.value).endswith("... and 10 more bad rows")


def test_reimport_is_idempotent_and_newer_rows_update(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    accounts = write("a.csv", "account_id,name,owner,region\nA1,ABC,kim,Seoul\nA2,B,lee,Busan\n")
    txs = write(
        "t.csv", TX_HEADER + "A1,2026-01-05,5,1,x\nA1,2026-01-05,5,1,x\nA2,2026-01-06,7.50,,\n"
    )
    evs = write("e.csv", "account_id,date,type,value,note\nA1,2026-01-05,satisfaction,4,\n")
    first = import_files(store, accounts=accounts, transactions=txs, events=evs).as_dict()
    assert first == {
        "accounts": {"inserted": 2, "updated": 0, "unchanged": 0},
        "transactions": {"inserted": 3, "updated": 0, "unchanged": 0},
        "events": {"inserted": 1, "updated": 0, "unchanged": 0},
    }
    snapshot = (store.accounts(), store.transactions().sort("key"), store.events())
    again = import_files(store, accounts=accounts, transactions=txs, events=evs).as_dict()
    assert again == {
        "accounts": {"inserted": 0, "updated": 0, "unchanged": 2},
        "transactions": {"inserted": 0, "updated": 0, "unchanged": 3},
        "events": {"inserted": 0, "updated": 0, "unchanged": 1},
    }
    assert store.accounts().equals(snapshot[0])
    assert store.transactions().sort("key").equals(snapshot[1])
    # A newer export: A1 changes owner, no region column (kept), a third identical order.
    newer = write("a2.csv", "account_id,name,owner\nA1,ABC Trading,park\nA2,B,lee\n")
    more = write(
        "t2.csv", TX_HEADER + "A1,2026-01-05,5.00,1,x\nA1,2026-01-05,5,1,x\nA1,2026-01-05,5,1,x\n"
    )
    result = import_files(store, accounts=newer, transactions=more).as_dict()
    assert result["accounts"] == {"inserted": 0, "updated": 1, "unchanged": 1}
    assert result["transactions"] == {"inserted": 1, "updated": 0, "unchanged": 2}
    a1 = store.get_account("A1")
    assert a1 is not None and (a1["name"], a1["owner"], a1["region"]) == (
        "ABC Trading",
        "park",
        "Seoul",
    )


def test_transaction_ids_update_amounts(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    accounts = write("a.csv", ACCOUNTS)
    v1 = write(
        "t1.csv",
        "transaction_id,account_id,date,amount,product\nT1,A1,2026-01-05,100,kegs\nT2,A1,2026-01-06,50,cans\n",
    )
    # The newer export has no product column: amounts update, products stay.
    v2 = write(
        "t2.csv",
        "transaction_id,account_id,date,amount\nT1,A1,2026-01-05,120\nT2,A1,2026-01-06,50\n",
    )
    import_files(store, accounts=accounts, transactions=v1)
    assert import_files(store, transactions=v2).as_dict()["transactions"] == {
        "inserted": 0,
        "updated": 1,
        "unchanged": 1,
    }
    stored = {
        k: (a, p) for k, a, p in store.transactions().select("key", "amount", "product").iter_rows()
    }
    assert stored == {"id:T1": (120.0, "kegs"), "id:T2": (50.0, "cans")}


def test_accounts_already_in_the_store_are_known(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    import_files(store, accounts=write("a.csv", ACCOUNTS))
    result = import_files(store, transactions=write("t.csv", TX_HEADER + "A2,2026-01-05,5,,\n"))
    assert result.as_dict() == {"transactions": {"inserted": 1, "updated": 0, "unchanged": 0}}
    assert store.transactions()["date"].to_list() == [dt.date(2026, 1, 5)]


def test_a_failure_while_writing_leaves_the_store_as_it_was(
    store: AccountStore, write, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    accounts = write("a.csv", ACCOUNTS)
    import_files(store, accounts=accounts)
    before = store.accounts()
    original = AccountStore._upsert

    def crash(self, conn, name, frame, columns, step, *rest):  # type: ignore[no-untyped-def]
        if name == "events":
            raise RuntimeError("disk on fire")
        return original(self, conn, name, frame, columns, step, *rest)

    monkeypatch.setattr(AccountStore, "_upsert", crash)
    changed = write("a2.csv", "account_id,name\nA1,Renamed\nA9,New\n")
    txs = write("t.csv", TX_HEADER + "A1,2026-01-05,5,,\n")
    evs = write("e.csv", "account_id,date,type\nA1,2026-01-05,visit\n")
    with pytest.raises(RuntimeError):
        import_files(store, accounts=changed, transactions=txs, events=evs)
    assert store.accounts().equals(before)
    assert store.counts() == {"accounts": 2, "transactions": 0, "events": 0}


def test_a_killed_import_leaves_the_store_as_it_was(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    with AccountStore(url) as s:
        import_files(s, accounts=write("a.csv", ACCOUNTS))
    rows = "".join(f"A1,2026-01-{1 + i % 28:02d},{i},,\n" for i in range(5000))
    txs = write("t.csv", TX_HEADER + rows)
    renamed = write("a2.csv", "account_id,name\nA1,Renamed\n")
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from advisor.accounts.store import AccountStore
        from advisor.accounts.importer import import_files
        original = AccountStore._upsert
        def upsert(self, conn, name, frame, columns, step, *rest):
            counts = original(self, conn, name, frame, columns, step, *rest)
            if name == "transactions":  # rows written, transaction open: die now
                os.kill(os.getpid(), signal.SIGKILL)
            return counts
        AccountStore._upsert = upsert
        store = AccountStore({url!r})
        import_files(store, accounts=Path({str(renamed)!r}),
                     transactions=Path({str(txs)!r}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    with AccountStore(url) as s:
        assert s.counts() == {"accounts": 2, "transactions": 0, "events": 0}
        assert s.get_account("A1")["name"] == "ABC Trading"  # type: ignore[index]


def test_sqlite_pragmas(store: AccountStore) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_schema_migrates_from_version_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v1.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        # Version 1: the tables, no events index, no version row.
        for table in (schema.accounts, schema.transactions):
            table.create(conn)
        conn.exec_driver_sql(
            "CREATE TABLE events (key TEXT PRIMARY KEY, account_id VARCHAR(200) NOT NULL, date DATE NOT NULL, "
            "type VARCHAR(32) NOT NULL, value FLOAT, note TEXT)"
        )
    engine.dispose()
    with AccountStore(url) as s:
        assert s.version == schema.SCHEMA_VERSION == 2
        names = {ix["name"] for ix in inspect(s.engine).get_indexes("events")}
        assert "ix_events_account_date" in names
    with AccountStore(url) as s:  # opening again changes nothing
        assert s.version == 2


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    AccountStore(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE schema_info SET value = '99' WHERE name = 'version'"))
    engine.dispose()
    with pytest.raises(AdvisorError, match="schema version 99"):
        AccountStore(url)


def test_store_lookups(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    import_files(store, accounts=write("a.csv", ACCOUNTS))
    assert store.list_owners() == ["kim.minji", "lee.junho"]
    assert store.get_account("nope") is None
    assert store.latest_transaction_date() is None
    assert os.path.exists(store.engine.url.database or "")
