"""The sample portfolio: a deterministic generator and the shipped CSV folder.

`python -m advisor.accounts.sample [DIR]` rewrites the three CSVs (default: the
package's `advisor/data/sample/`); the same seed gives the same bytes.

About 300 accounts across every segment (EI–EIV, PI–PIV, F), five reps, names
in English, Korean and Chinese, 24 months of transactions (2024-11 to
2026-10, the last on 2026-10-31, which is the default as-of date) with
seasonality, and events of every type. Named accounts with stories that the
scenario tests rely on:

- A001 ABC Trading (kim.minji): a top account for two years, steady monthly
  orders; from August 2026 it still orders every month but about half as much,
  and a rival's offer was reported on 2026-09-18. Partial defection and a
  sharp decline; its segment moves EI → EII this quarter.
- A002 한빛유통 (lee.junho): EI, big and steady every month, satisfied.
- A003 华东贸易有限公司 (wang.lei): EII, big but erratic (large orders in about
  half the months) with a complaint from 2026-08-20 still unresolved (an
  older one was resolved).
- A004 Pacific Retail Group (smith.anna): a big steady buyer with a large
  overdue payment reported on 2026-10-05 ("big seller, big debtor").
- A005 Northwind Supplies (smith.anna): bought every month until 2026-05,
  silent since: lapsed.
- A006 Golden Hops Distributors (chen.jing): a beer dealer with a summer peak
  (May–July) and a sharp fall from August, the same as a year earlier: an
  off-season dip, NOT a decline, and still stable.
- A007 Metro Office Supply (wang.lei): stopped after August 2026 and marked
  `lost` on 2026-09-30.
- A008 华南电子科技有限公司 (chen.jing): satisfaction 2 of 5 on 2026-09-12.
- A009 Bluebird Hotels (kim.minji): PI prospect, large expected revenue, high intent.
- A010 Skyline Airlines (smith.anna): PII prospect, large expected revenue, low
  intent, with a competitor's offer on record.
- A011 Aurora Chocolate Boutique (lee.junho): F, a future customer.

Other beer-style dealers share Golden Hops' season; the rest are steady,
erratic, new or fading accounts of every size.
"""

from __future__ import annotations

import datetime as dt
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from advisor.accounts.samplegen import BEER_SEASON, LAST_DAY, SEED, Builder, generic

if TYPE_CHECKING:
    from advisor.accounts.portfolio import PortfolioAnalysis

STORIES = [
    # id, name, owner, industry, region, kind
    ("A001", "ABC Trading", "kim.minji", "retail", "Seoul", "abc"),
    ("A002", "한빛유통", "lee.junho", "food", "Seoul", "ei"),
    ("A003", "华东贸易有限公司", "wang.lei", "electronics", "Shanghai", "eii"),
    ("A004", "Pacific Retail Group", "smith.anna", "retail", "Singapore", "overdue"),
    ("A005", "Northwind Supplies", "smith.anna", "logistics", "Busan", "lapsed"),
    ("A006", "Golden Hops Distributors", "chen.jing", "beverage", "Guangzhou", "beer"),
    ("A007", "Metro Office Supply", "wang.lei", "retail", "Incheon", "lost"),
    ("A008", "华南电子科技有限公司", "chen.jing", "electronics", "Shenzhen", "unhappy"),
]
PROSPECT_STORIES = [
    ("A009", "Bluebird Hotels", "kim.minji", "hospitality", "Busan", 1_800_000.0, "high"),
    ("A010", "Skyline Airlines", "smith.anna", "hospitality", "Hong Kong", 1_500_000.0, "0.2"),
]
FUTURE_STORY = ("A011", "Aurora Chocolate Boutique", "lee.junho", "food", "Seoul")


def sample_dir() -> Path:
    """The folder holding the shipped accounts.csv, transactions.csv and events.csv."""
    return Path(str(resources.files("advisor").joinpath("data/sample")))


def _stories(b: Builder) -> None:
    last_q = {21: 0.43, 22: 0.44, 23: 0.42}  # Aug–Oct 2026: orders halved
    for account_id, name, owner, industry, region, kind in STORIES:
        b.names.add(name)
        b.add_account(account_id, name, owner, industry, region, "existing")
        if kind == "abc":
            b.history(account_id, industry, 125_000, active=1.0, noise=0.08, factor=last_q)
            b.event(account_id, dt.date(2026, 3, 10), "satisfaction", 4)
            b.event(account_id, dt.date(2026, 6, 12), "visit", note="quarterly review")
            b.event(
                account_id,
                dt.date(2026, 9, 18),
                "competitor_offer",
                note="a rival distributor offered 8% lower prices on the core range",
            )
        elif kind == "ei":
            b.history(account_id, industry, 105_000, active=1.0, noise=0.06)
            b.transactions.append((account_id, LAST_DAY, 38_500.0, 1540.0, "rice 20kg"))
            b.event(account_id, dt.date(2026, 4, 2), "satisfaction", 5)
            b.event(
                account_id, dt.date(2026, 8, 21), "visit", note="planned the 2027 range together"
            )
        elif kind == "eii":
            b.history(account_id, industry, 140_000, active=0.5, noise=0.25, lumpy=True)
            b.event(
                account_id,
                dt.date(2026, 2, 3),
                "complaint",
                note="late delivery before the spring festival",
            )
            b.event(account_id, dt.date(2026, 2, 20), "resolved", note="expedited freight refunded")
            b.event(
                account_id,
                dt.date(2026, 8, 20),
                "complaint",
                note="damaged goods in the July shipment; replacement not yet sent",
            )
        elif kind == "overdue":
            b.history(account_id, industry, 115_000, active=1.0, noise=0.1)
            b.event(account_id, dt.date(2026, 7, 6), "visit")
            b.event(
                account_id,
                dt.date(2026, 10, 5),
                "overdue",
                210_000,
                note="July and August invoices unpaid, 60+ days",
            )
        elif kind == "lapsed":
            b.history(account_id, industry, 30_000, active=1.0, noise=0.1, stop=19)
            b.transactions.append(
                (account_id, dt.date(2026, 5, 20), 27_400.0, 1096.0, "pallet wrap")
            )
            b.event(account_id, dt.date(2026, 3, 15), "visit")
        elif kind == "beer":
            b.history(account_id, industry, 55_000, active=1.0, noise=0.06, season=BEER_SEASON)
            b.event(
                account_id,
                dt.date(2025, 11, 20),
                "visit",
                note="off-season planning with the dealer",
            )
            b.event(account_id, dt.date(2026, 4, 10), "satisfaction", 4)
        elif kind == "lost":
            b.history(account_id, industry, 40_000, active=0.95, noise=0.12, stop=22)
            b.event(
                account_id,
                dt.date(2026, 9, 2),
                "competitor_offer",
                note="bundle deal from a national chain",
            )
            b.event(
                account_id,
                dt.date(2026, 9, 30),
                "lost",
                note="signed a two-year contract with a competitor",
            )
        elif kind == "unhappy":
            b.history(account_id, industry, 45_000, active=0.92, noise=0.12)
            b.event(account_id, dt.date(2026, 5, 8), "complaint", note="slow after-sales repairs")
            b.event(account_id, dt.date(2026, 6, 1), "resolved")
            b.event(
                account_id,
                dt.date(2026, 9, 12),
                "satisfaction",
                2,
                note="after-sales service still slow",
            )
    for account_id, name, owner, industry, region, expected, intent in PROSPECT_STORIES:
        b.names.add(name)
        b.add_account(account_id, name, owner, industry, region, "prospect", expected, intent)
    b.event(
        "A009", dt.date(2026, 10, 14), "visit", note="tasting session with the purchasing director"
    )
    b.event(
        "A010",
        dt.date(2026, 9, 25),
        "competitor_offer",
        note="incumbent supplier renewed with a loyalty rebate",
    )
    account_id, name, owner, industry, region = FUTURE_STORY
    b.names.add(name)
    b.add_account(account_id, name, owner, industry, region, "future")


def build(seed: int = SEED) -> dict[str, pl.DataFrame]:
    """The three tables of the sample portfolio, sorted, as polars frames."""
    b = Builder(seed)
    _stories(b)
    generic(b)
    accounts = pl.DataFrame(
        b.accounts,
        schema={
            "account_id": pl.String,
            "name": pl.String,
            "owner": pl.String,
            "stage": pl.String,
            "expected_revenue": pl.Float64,
            "intent": pl.String,
            "industry": pl.String,
            "region": pl.String,
        },
    )
    transactions = (
        pl.DataFrame(
            b.transactions,
            orient="row",
            schema={
                "account_id": pl.String,
                "date": pl.Date,
                "amount": pl.Float64,
                "quantity": pl.Float64,
                "product": pl.String,
            },
        )
        .filter(pl.col("date") <= LAST_DAY)
        .sort("date", "account_id", "amount", "product", maintain_order=True)
    )
    events = (
        pl.DataFrame(
            b.events,
            orient="row",
            schema={
                "account_id": pl.String,
                "date": pl.Date,
                "type": pl.String,
                "value": pl.Float64,
                "note": pl.String,
            },
        )
        .filter(pl.col("date") <= LAST_DAY)
        .sort("date", "account_id", maintain_order=True)
    )
    return {"accounts": accounts, "transactions": transactions, "events": events}


def write_sample(directory: Path, seed: int = SEED) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in build(seed).items():
        path = directory / f"{name}.csv"
        frame.write_csv(path, float_precision=None)
        paths[name] = path
    return paths


def analyse_sample() -> PortfolioAnalysis:
    """The shipped sample portfolio, imported into a throwaway in-memory store and analysed."""
    from advisor.accounts.importer import import_files
    from advisor.accounts.portfolio import analyse_store
    from advisor.accounts.store import AccountStore

    folder = sample_dir()
    with AccountStore("sqlite://") as store:
        import_files(
            store,
            accounts=folder / "accounts.csv",
            transactions=folder / "transactions.csv",
            events=folder / "events.csv",
        )
        return analyse_store(store)


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else sample_dir()
    for name, path in write_sample(target).items():
        print(f"{name}: {path}")
