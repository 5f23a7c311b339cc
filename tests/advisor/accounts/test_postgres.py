"""The same store and importer against a real PostgreSQL server started for the test.

Skipped cleanly when no server binaries (Debian: `apt-get install postgresql`) or
no driver (`pip install -e .[postgres]`) are present. The server listens only on
a Unix socket in a temporary directory and is stopped afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.accounts.importer import import_files
from advisor.accounts.portfolio import analyse_store
from advisor.accounts.sample import sample_dir
from advisor.accounts.store import AccountStore
from advisor.errors import ImportRowsError


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    pytest.importorskip("psycopg", reason="PostgreSQL driver missing: pip install -e .[postgres]")
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries missing: apt-get install postgresql")
    prefix: list[str] = []
    directory = Path(tempfile.mkdtemp(prefix="advisor-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root
        runuser = shutil.which("runuser")
        if not runuser:
            pytest.skip("running as root without runuser to start PostgreSQL as another user")
        try:
            shutil.chown(directory, user="postgres")
        except (LookupError, PermissionError):
            pytest.skip("running as root and there is no 'postgres' user")
        prefix = [runuser, "-u", "postgres", "--"]
    data = directory / "data"
    port = "54329"
    try:
        subprocess.run(
            [*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "advisor", "--no-sync"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-k {directory} -c listen_addresses='' -p {port} -c fsync=off"
        subprocess.run(
            [
                *prefix,
                pg_ctl,
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(directory / "log"),
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(directory, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL server: {exc}")
    try:
        yield f"postgresql+psycopg://advisor@/postgres?host={directory}&port={port}"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(directory, ignore_errors=True)


def test_postgres_import_and_segment(postgres_url: str, write) -> None:  # type: ignore[no-untyped-def]
    d = sample_dir()
    with AccountStore(postgres_url) as store:
        files = {
            "accounts": d / "accounts.csv",
            "transactions": d / "transactions.csv",
            "events": d / "events.csv",
        }
        first = import_files(store, **files).as_dict()
        assert first["accounts"]["inserted"] == 301
        again = import_files(store, **files).as_dict()
        assert all(c["inserted"] == c["updated"] == 0 for c in again.values())
        bad = write("t.csv", "account_id,date,amount\nA001,2026-01-01,5\nNOPE,2026-01-01,5\n")
        before = store.counts()
        with pytest.raises(ImportRowsError, match="unknown account .NOPE."):
            import_files(store, transactions=bad)
        assert store.counts() == before
        analysis = analyse_store(store)
        assert analysis.account("A001")["segment"] == "EII"
        assert analysis.account("A006")["segment"] in ("EI", "EIII")


def test_postgres_purchases_by_copy_and_cache(postgres_url: str, tmp_path: Path) -> None:
    """The analysis reads PostgreSQL with COPY, and keeps its columnar cache in the
    folder it is given; both agree with the rows as SQLAlchemy reads them."""
    from collections import Counter

    d = sample_dir()
    with AccountStore(postgres_url, cache_dir=tmp_path) as store:
        import_files(store, accounts=d / "accounts.csv", transactions=d / "transactions.csv")
        expected = Counter(store.transactions().select("account_id", "date", "amount").rows())
        assert Counter(store.purchases().rows()) == expected  # COPY, then the cache is written
        assert len(list(tmp_path.glob("purchases-*.arrow"))) == 1
        assert Counter(store.purchases().rows()) == expected  # from the cache
