"""Import tells its progress: every row stored, inserted, updated or unchanged."""

from __future__ import annotations

from advisor.accounts.importer import import_files
from advisor.accounts.store import AccountStore
from tests.fakes.progress import Recorder

ACCOUNTS = "account_id,name,owner\nA001,ABC Trading,kim\nA002,Hanbit,lee\n"
TX = "account_id,date,amount\nA001,2026-09-15,1000\nA002,2026-09-15,500\nA002,2026-10-01,70\n"


def test_import_tells_every_row_stored(store: AccountStore, write) -> None:  # type: ignore[no-untyped-def]
    first = Recorder()
    import_files(
        store, accounts=write("a.csv", ACCOUNTS), transactions=write("t.csv", TX), progress=first
    )
    assert first.steps["rows stored"] == [5, 5]
    # Again, with one account renamed: updated and unchanged rows count too.
    again = Recorder()
    renamed = ACCOUNTS.replace("Hanbit", "Hanbit Foods")
    import_files(
        store, accounts=write("b.csv", renamed), transactions=write("t.csv", TX), progress=again
    )
    assert again.steps["rows stored"] == [5, 5]
