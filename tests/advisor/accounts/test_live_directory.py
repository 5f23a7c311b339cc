"""A running bot or chat follows the store: a re-import shows on the next request, no restart.

The store keeps a revision that every import which changed data moves on, in the
importing transaction; the directory compares it on each read and rebuilds its
analysis when it moved.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.accounts import schema
from advisor.accounts.directory import PortfolioDirectory
from advisor.accounts.importer import import_files
from advisor.accounts.store import AccountStore
from advisor.answering.service import Advisor, Scope
from advisor.chat.core import Conversation
from advisor.errors import ImportRowsError
from advisor.users.store import UserStore

KIM, LEE, MANAGER = 1001, 1002, 2001
ACCOUNTS_KIM = "account_id,name,owner\nA001,ABC Trading,kim\nA002,Hanbit,lee\n"
ACCOUNTS_LEE = "account_id,name,owner\nA001,ABC Trading,lee\nA002,Hanbit,lee\n"
TX = "account_id,date,amount\nA001,2026-09-15,1000\nA002,2026-09-15,500\n"
TX_NEWER = TX + "A001,2026-10-20,2000\n"


@pytest.fixture
def users(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = UserStore(f"sqlite:///{tmp_path / 'users.db'}")
    store.add(KIM, "rep", "kim")
    store.add(LEE, "rep", "lee")
    store.add(MANAGER, "manager")
    yield store
    store.close()


def test_every_changing_import_moves_the_revision_and_nothing_else_does(
    store: AccountStore,
    write,  # type: ignore[no-untyped-def]
) -> None:
    accounts, tx = write("accounts.csv", ACCOUNTS_KIM), write("tx.csv", TX)
    first = store.revision()
    import_files(store, accounts=accounts, transactions=tx)
    second = store.revision()
    assert second != first
    import_files(store, accounts=accounts, transactions=tx)  # unchanged: same revision
    assert store.revision() == second
    bad = write("bad.csv", "account_id,date,amount\nA001,2026-09-31,1\n")
    with pytest.raises(ImportRowsError):
        import_files(store, transactions=bad)
    assert store.revision() == second
    import_files(store, accounts=write("lee.csv", ACCOUNTS_LEE))
    assert store.revision() != second


def test_the_revision_moves_in_the_importing_transaction(
    store: AccountStore,
    write,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    before = store.revision()
    original = schema.bump_revision

    def bump_then_fail(conn):  # type: ignore[no-untyped-def]
        original(conn)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(schema, "bump_revision", bump_then_fail)
    with pytest.raises(RuntimeError):
        import_files(store, accounts=write("a.csv", ACCOUNTS_KIM))
    assert store.revision() == before and store.counts()["accounts"] == 0


def test_the_directory_reloads_only_when_the_store_moved(
    store: AccountStore,
    write,  # type: ignore[no-untyped-def]
) -> None:
    import_files(store, accounts=write("a.csv", ACCOUNTS_KIM), transactions=write("t.csv", TX))
    directory = PortfolioDirectory.load(store)
    before = directory.analysis
    assert directory.analysis is before  # nothing imported: no rebuild
    assert [a.account_id for a in directory.accounts("kim")] == ["A001"]

    import_files(
        store, accounts=write("b.csv", ACCOUNTS_LEE), transactions=write("u.csv", TX_NEWER)
    )

    assert directory.accounts("kim") == []
    assert [a.account_id for a in directory.accounts("lee")] == ["A001", "A002"]
    record = directory.record("A001", "en")
    assert record.owner == "lee"
    assert record.metrics.revenue == 3000  # 1,000 + the new 2,000
    assert directory.analysis.as_of.isoformat() == "2026-10-20"
    assert directory.analysis is not before


def test_an_owner_change_reaches_a_running_conversation(
    store: AccountStore,
    users: UserStore,
    write,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    import_files(store, accounts=write("a.csv", ACCOUNTS_KIM), transactions=write("t.csv", TX))
    advisor = Advisor(None, PortfolioDirectory.load(store))  # type: ignore[arg-type]
    chat = Conversation(advisor, users, tmp_path / "charts")
    assert "ABC Trading" in chat.command(KIM, "segment", "A001").parts[0]
    assert chat.command(LEE, "segment", "A001").parts == ("No account 'A001' found.",)
    chart = chat.command(MANAGER, "portfolio").photo
    assert chart is not None
    drawn = chart.read_bytes()

    # Re-imported while the conversation runs: A001 handed to lee, a new order.
    import_files(
        store, accounts=write("b.csv", ACCOUNTS_LEE), transactions=write("u.csv", TX_NEWER)
    )

    assert chat.command(KIM, "segment", "A001").parts == ("No account 'A001' found.",)
    with pytest.raises(Exception, match="no account 'A001'"):
        advisor.resolve("A001", Scope(owner="kim"))
    shown = chat.command(LEE, "segment", "A001").parts[0]
    assert "ABC Trading" in shown and "lee" in shown
    assert advisor.accounts.record("A001", "en").metrics.last_purchase == "2026-10-20"
    # The manager's portfolio chart is drawn again from the new analysis.
    again = chat.command(MANAGER, "portfolio").photo
    assert again is not None and again.read_bytes() != drawn


def test_data_imported_into_a_store_empty_at_start_reaches_a_running_conversation(
    store: AccountStore,
    users: UserStore,
    write,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    advisor = Advisor(None, PortfolioDirectory.load(store))  # type: ignore[arg-type]
    chat = Conversation(advisor, users, tmp_path / "charts")
    empty = chat.command(LEE, "segment", "A001").parts
    assert not advisor.has_accounts and "import" in empty[0]

    import_files(store, accounts=write("a.csv", ACCOUNTS_KIM), transactions=write("t.csv", TX))

    assert advisor.has_accounts
    assert "Hanbit" in chat.command(LEE, "segment", "A002").parts[0]


def test_the_wiring_follows_a_store_that_was_empty_when_it_opened(
    advisor_home: Path,
    use_fake_embedder,
    write,  # type: ignore[no-untyped-def]
) -> None:
    from advisor.settings import Settings
    from advisor.wiring import account_store, open_advisor, user_store

    settings = Settings.from_env()
    with user_store(settings), open_advisor(settings) as advisor:
        assert advisor.accounts is not None and not advisor.has_accounts
        with account_store(settings) as other:  # another process's import
            import_files(
                other, accounts=write("a.csv", ACCOUNTS_KIM), transactions=write("t.csv", TX)
            )
        assert advisor.has_accounts
        assert advisor.resolve("A001", Scope(owner="kim")) == "A001"
