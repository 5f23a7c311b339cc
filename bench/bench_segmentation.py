"""Benchmark: import rows/s into SQLite, segmentation time and peak memory (ours vs pandas),
and `advisor segment` on the imported store (read and analysis apart, and whole).

    python bench/bench_segmentation.py                    # 100,000 accounts, 10,000,000 transactions
    python bench/bench_segmentation.py --accounts 10000 --transactions 1000000   # a quick run

Generates a synthetic portfolio with vectorised numpy (seconds), writes the CSVs,
then runs each measurement in a fresh subprocess so peak RSS (getrusage) belongs
to that step alone:

- import: `advisor.accounts.importer.import_files` into a new SQLite file (the
  project's own path: polars CSV reader, validation, one-transaction upsert);
- ours: `advisor.accounts.segmentation.segment_accounts` on a polars frame;
- pandas: the same metrics and labels written the way an analyst would with
  pandas groupby (`pandas_segment` below), checked to agree with ours.

Segmentation time excludes building the input frame (both sides load the same
arrays from an .npz file); peak memory includes it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

AS_OF = dt.date(2026, 10, 31)
DAYS = 730  # two years of history ending on AS_OF
EPOCH = dt.date(1970, 1, 1)


# ---- data -----------------------------------------------------------------------


def generate(directory: Path, accounts: int, transactions: int, seed: int = 7) -> None:
    """accounts.csv, transactions.csv and data.npz (the same rows as arrays)."""
    import polars as pl

    rng = np.random.default_rng(seed)
    size = rng.lognormal(0.0, 1.2, accounts)  # a few big accounts, many small ones
    account = rng.choice(accounts, size=transactions, p=size / size.sum()).astype(np.int32)
    # Some accounts stop buying, some start late: start/end days per account.
    start = np.where(rng.random(accounts) < 0.1, rng.integers(0, DAYS, accounts), 0)
    end = np.where(rng.random(accounts) < 0.1, rng.integers(0, DAYS, accounts), DAYS - 1)
    end = np.maximum(start, end)
    offset = (rng.random(transactions) * (end[account] - start[account] + 1)).astype(np.int32)
    day = ((AS_OF - EPOCH).days - (DAYS - 1) + start[account] + offset).astype(np.int32)
    amount = np.round(rng.lognormal(5.0, 1.0, transactions), 2)
    ids = np.array([f"C{i:06d}" for i in range(accounts)])
    np.savez(directory / "data.npz", account=account, day=day, amount=amount, ids=ids)
    pl.DataFrame(
        {"account_id": ids, "name": np.char.add("Account ", ids), "owner": "bench"}
    ).write_csv(directory / "accounts.csv")
    pl.DataFrame(
        {
            "account_id": pl.Series(ids)[account],
            "date": pl.Series(day).cast(pl.Date),
            "amount": amount,
        }
    ).write_csv(directory / "transactions.csv")


def _load(directory: Path) -> dict[str, np.ndarray]:
    with np.load(directory / "data.npz") as data:
        return {k: data[k] for k in data.files}


# ---- the plain pandas reference -----------------------------------------------------


def pandas_segment(df, as_of: dt.date):  # type: ignore[no-untyped-def]
    """Window metrics, contribution × stability and the EI–EIV label with pandas groupby."""
    import pandas as pd

    df = df[df["date"] <= pd.Timestamp(as_of)]
    back = as_of.year * 12 + as_of.month - (df["date"].dt.year * 12 + df["date"].dt.month)
    recent = df.assign(back=back)[back < 24]
    months = recent.groupby(["account_id", "back"])["amount"].sum().unstack(fill_value=0.0)
    months = months.reindex(columns=range(24), fill_value=0.0)
    window = months[list(range(12))]
    out = pd.DataFrame(index=months.index)
    out["revenue"] = window.sum(axis=1)
    out["active_months"] = (window > 0).sum(axis=1)
    out["monthly_cv"] = window.std(axis=1, ddof=0) / window.mean(axis=1)
    out["last_q"] = window[[0, 1, 2]].sum(axis=1)
    out["earlier_avg"] = window[list(range(3, 12))].sum(axis=1) / 3
    out["trend_ratio"] = out["last_q"] / out["earlier_avg"].where(out["earlier_avg"] > 0)
    out["year_ago_q"] = months[[12, 13, 14]].sum(axis=1)
    out["yoy_ratio"] = out["last_q"] / out["year_ago_q"].where(out["year_ago_q"] > 0)

    bought = df[df["amount"] > 0]
    dates = bought.groupby("account_id")["date"].agg(["min", "max"])
    days = bought[["account_id", "date"]].drop_duplicates().sort_values(["account_id", "date"])
    days["gap"] = days.groupby("account_id")["date"].diff().dt.days
    out = out.join(dates, how="outer")
    out["median_gap_days"] = days.groupby("account_id")["gap"].median()
    out["days_since_last"] = (pd.Timestamp(as_of) - out["max"]).dt.days
    out["history_months"] = (
        as_of.year * 12 + as_of.month - (out["min"].dt.year * 12 + out["min"].dt.month) + 1
    )
    out = out.fillna({"revenue": 0.0, "active_months": 0, "last_q": 0.0})

    buying = out["revenue"] > 0
    n = int(buying.sum())
    k = max(1, math.ceil(0.2 * n - 1e-9))
    out["share"] = out["revenue"] / out.loc[buying, "revenue"].sum()
    out["rank"] = out["revenue"].where(buying).rank(method="min", ascending=False)
    threshold = out.loc[buying, "revenue"].nlargest(k).min()
    high = buying & (out["revenue"] >= threshold - 1e-9)
    trend_ok = out["trend_ratio"] >= 0.5 - 1e-9
    seasonal = (
        ~trend_ok
        & out["trend_ratio"].notna()
        & (out["history_months"] >= 15)
        & (out["yoy_ratio"] >= 0.8 - 1e-9)
    )
    stable = (out["active_months"] >= 9) & (trend_ok | seasonal)
    out["segment"] = np.select([high & stable, high, stable], ["EI", "EII", "EIII"], "EIV")
    return out


# ---- children: one measurement per fresh process -----------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child_ours(directory: Path) -> dict[str, float]:
    import polars as pl

    from advisor.accounts.segmentation import segment_accounts

    data = _load(directory)
    tx = pl.DataFrame(
        {
            "account_id": pl.Series(data["ids"])[data["account"]],
            "date": pl.Series(data["day"]).cast(pl.Date),
            "amount": data["amount"],
        }
    )
    del data
    start = time.perf_counter()
    seg = segment_accounts(tx, as_of=AS_OF)
    seconds = time.perf_counter() - start
    seg.frame.select("account_id", "segment", "revenue").write_csv(directory / "ours.csv")
    return {"seconds": seconds, "peak_mb": _peak_mb(), "accounts": seg.frame.height}


def child_pandas(directory: Path) -> dict[str, float]:
    import pandas as pd

    data = _load(directory)
    df = pd.DataFrame(
        {
            "account_id": data["ids"][data["account"]],
            "date": pd.to_datetime(data["day"], unit="D"),
            "amount": data["amount"],
        }
    )
    del data
    start = time.perf_counter()
    out = pandas_segment(df, AS_OF)
    seconds = time.perf_counter() - start
    out[["segment", "revenue"]].to_csv(directory / "pandas.csv")
    return {"seconds": seconds, "peak_mb": _peak_mb(), "accounts": len(out)}


def child_import(directory: Path) -> dict[str, float]:
    from advisor.accounts.importer import import_files
    from advisor.accounts.store import AccountStore

    db = directory / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    store = AccountStore(f"sqlite:///{db}")
    start = time.perf_counter()
    result = import_files(
        store, accounts=directory / "accounts.csv", transactions=directory / "transactions.csv"
    )
    seconds = time.perf_counter() - start
    rows = sum(c.inserted + c.updated + c.unchanged for c in result.counts.values())
    store.close()
    return {"seconds": seconds, "peak_mb": _peak_mb(), "rows": rows, "rows_per_s": rows / seconds}


def child_store(directory: Path) -> dict[str, float]:
    """`advisor segment`'s two halves on the imported store, apart: reading the
    purchases back (from the columnar cache the import left, and from the database
    as on a cache miss) and the analysis (both quarters, risks, movements)."""
    from advisor.accounts.portfolio import analyse
    from advisor.accounts.store import AccountStore, _read_purchases

    store = AccountStore(f"sqlite:///{directory / 'bench.db'}")
    start = time.perf_counter()
    cached = store.cache is not None and store.cache.load(store.data_token()) is not None
    frame = store.purchases()
    read_cache = time.perf_counter() - start
    start = time.perf_counter()
    with store.engine.connect() as conn:
        database = _read_purchases(conn)
    read_database = time.perf_counter() - start
    assert database.height == frame.height, "the cache and the database disagree"
    del database
    start = time.perf_counter()
    accounts, events = store.accounts(), store.events()
    read_rest = time.perf_counter() - start
    start = time.perf_counter()
    analysis = analyse(frame, accounts, events, None)
    seconds = time.perf_counter() - start
    store.close()
    return {
        "cached": cached,
        "read_cache": read_cache,
        "read_database": read_database,
        "read_accounts_events": read_rest,
        "analysis": seconds,
        "accounts": analysis.now.frame.height,
        "peak_mb": _peak_mb(),
    }


def _whole_command(directory: Path, cache: bool) -> dict[str, float]:
    """`advisor segment` as a user runs it (a fresh process), with or without the cache."""
    import os

    if not cache:
        for path in directory.glob("bench.db.purchases-*.arrow"):
            path.unlink()
    env = {
        **os.environ,
        "ADVISOR_DATABASE_URL": f"sqlite:///{directory / 'bench.db'}",
        "ADVISOR_HOME": str(directory / "home"),
    }
    # A small parent of its own, so that the peak memory is this command's alone.
    measure = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "print(time.perf_counter() - start,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", measure, sys.executable, "-m", "advisor", "segment"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return {"seconds": float(out[0]), "peak_mb": float(out[1])}


def _run_child(kind: str, directory: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--dir", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _agree(directory: Path) -> float:
    """Share of accounts with the same segment in both implementations."""
    import pandas as pd

    ours = pd.read_csv(directory / "ours.csv", index_col=0)
    theirs = pd.read_csv(directory / "pandas.csv", index_col=0)
    joined = ours.join(theirs.add_suffix("_pd"), how="inner")
    assert len(joined) == len(ours) == len(theirs), "the two sides saw different accounts"
    assert np.allclose(joined["revenue"], joined["revenue_pd"]), "revenues differ"
    return float((joined["segment"] == joined["segment_pd"]).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--skip-import", action="store_true", help="only time segmentation")
    parser.add_argument(
        "--store-only",
        action="store_true",
        help="only time `advisor segment` on the store an earlier run left in --dir",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="whole-command runs with the cache current (the median is shown)",
    )
    parser.add_argument(
        "--child", choices=["ours", "pandas", "import", "store"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        runner = {
            "ours": child_ours,
            "pandas": child_pandas,
            "import": child_import,
            "store": child_store,
        }[args.child]
        print(json.dumps(runner(args.dir)))
        return
    if args.store_only:
        if not args.dir or not (args.dir / "bench.db").exists():
            parser.error("--store-only needs --dir with the bench.db of an earlier run")
        _report_store(args.dir, args.repeat)
        return
    directory = args.dir or Path(tempfile.mkdtemp(prefix="advisor-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    generate(directory, args.accounts, args.transactions)
    print(
        f"generated {args.accounts:,} accounts, {args.transactions:,} transactions "
        f"in {time.perf_counter() - start:.1f} s ({directory})"
    )
    ours = _run_child("ours", directory)
    theirs = _run_child("pandas", directory)
    agree = _agree(directory)
    imported = None if args.skip_import else _run_child("import", directory)
    print()
    print(f"{'step':<34}{'wall s':>9}{'peak MB':>10}")
    print(
        f"{'segmentation, ours (polars+numpy)':<34}{ours['seconds']:>9.2f}{ours['peak_mb']:>10.0f}"
    )
    print(f"{'segmentation, plain pandas':<34}{theirs['seconds']:>9.2f}{theirs['peak_mb']:>10.0f}")
    if imported:
        print(
            f"{'import into SQLite':<34}{imported['seconds']:>9.1f}{imported['peak_mb']:>10.0f}"
            f"   {imported['rows']:,.0f} rows, {imported['rows_per_s']:,.0f} rows/s"
        )
    print(
        f"\nspeed-up {theirs['seconds'] / ours['seconds']:.1f}x; "
        f"segments agree on {agree:.2%} of {ours['accounts']:,.0f} accounts"
    )
    if imported:
        _report_store(directory, args.repeat)


def _report_store(directory: Path, repeat: int) -> None:
    stored = _run_child("store", directory)
    warm = [_whole_command(directory, cache=True) for _ in range(max(1, repeat))]
    cold = _whole_command(directory, cache=False)
    seconds = sorted(w["seconds"] for w in warm)
    print(
        f"\n`advisor segment` on the imported store (cache left by the import: "
        f"{'yes' if stored['cached'] else 'NO'})"
    )
    print(f"{'step':<44}{'wall s':>9}{'peak MB':>10}")
    for label, value in (
        ("read purchases, columnar cache", stored["read_cache"]),
        ("read purchases, database (a cache miss)", stored["read_database"]),
        ("read accounts and events", stored["read_accounts_events"]),
        ("analysis (both quarters, risks, moves)", stored["analysis"]),
    ):
        print(f"{label:<44}{value:>9.2f}")
    print(
        f"{'whole command, cache current (median)':<44}{seconds[len(seconds) // 2]:>9.2f}"
        f"{max(w['peak_mb'] for w in warm):>10.0f}   runs: "
        + ", ".join(f"{s:.2f}" for s in seconds)
    )
    print(
        f"{'whole command, no cache (rebuilds it)':<44}{cold['seconds']:>9.2f}"
        f"{cold['peak_mb']:>10.0f}"
    )


if __name__ == "__main__":
    main()
