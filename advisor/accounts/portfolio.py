"""The accounts picture the advisor layer asks for: one call, everything per account.

`analyse` is pure (frames in); `analyse_store` loads them from the store.
A `PortfolioAnalysis` answers per account (segment, reasons, risks, metrics,
previous segment), per portfolio (counts and revenue per segment, movements,
revenue at risk) and per rep (time allocation).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import polars as pl

from advisor.accounts.allocation import RepAllocation, time_allocation
from advisor.accounts.metrics import Purchases, monthly_series
from advisor.accounts.movement import Move, movement_matrix, movements, previous_segmentation
from advisor.accounts.reasons import SERIOUS, Risk, check_lang, label
from advisor.accounts.risks import RiskConfig, account_risks
from advisor.accounts.segmentation import SEGMENTS, Segmentation, SegmentConfig, segment_accounts
from advisor.accounts.store import AccountStore
from advisor.accounts.view import AccountMetrics, AccountView, ReasonView, RiskView, clean
from advisor.errors import AccountNotFoundError


@dataclass
class PortfolioAnalysis:
    now: Segmentation
    before: Segmentation
    risks: dict[str, list[Risk]]
    moves: dict[str, Move]

    @property
    def as_of(self) -> dt.date:
        return self.now.as_of

    def rows(
        self,
        owner: str | None = None,
        segments: Sequence[str] = (),
        columns: Sequence[str] = (),
    ) -> list[dict[str, Any]]:
        """Rows of the segmentation table (every metric column), for the table
        functions, JSON reports and charts; `view` is what one account looks like."""
        frame = self._frame(owner, segments)
        if columns:
            frame = frame.select(columns)
        return frame.to_dicts()

    def _frame(self, owner: str | None, segments: Sequence[str]) -> pl.DataFrame:
        frame = self.now.frame
        if owner is not None:
            frame = frame.filter(pl.col("owner") == owner)
        if segments:
            frame = frame.filter(pl.col("segment").is_in(list(segments)))
        return frame

    def view(self, account_id: str, lang: str = "en") -> AccountView:
        """One account's view; AccountNotFoundError if unknown."""
        row = self.now.row(account_id)
        if row is None:
            raise AccountNotFoundError(account_id)
        return self._view(row, lang)

    def views(
        self, lang: str = "en", owner: str | None = None, segments: Sequence[str] = ()
    ) -> list[AccountView]:
        return [self._view(row, lang) for row in self.rows(owner, segments)]

    def account(self, account_id: str, lang: str = "en") -> dict[str, Any]:
        """The JSON row of one account, as `advisor segment --json` prints it (see
        `AccountView.as_json`); AccountNotFoundError if unknown."""
        return self.view(account_id, lang).as_json()

    def records(
        self, lang: str = "en", owner: str | None = None, segments: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """What `advisor segment --json` prints: one JSON row per account."""
        return [v.as_json() for v in self.views(lang, owner, segments)]

    def _view(self, row: dict[str, Any], lang: str) -> AccountView:
        check_lang(lang)
        move = self.moves.get(row["account_id"])
        return AccountView(
            account_id=row["account_id"],
            name=row["name"],
            owner=row["owner"],
            segment=row["segment"],
            segment_label=label(f"segment.{row['segment']}.name", lang),
            previous_segment=move.before if move else None,
            movement=move.direction if move else "same",
            alarm=bool(move and move.alarm),
            kind=row["kind"],
            reasons=tuple(ReasonView.of(r, lang) for r in self.now.reasons(row)),
            risks=tuple(RiskView.of(r, lang) for r in self.risks.get(row["account_id"], [])),
            metrics=AccountMetrics.from_row(row, self.now.config.window_months),
        )

    def chart_rows(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Rows for `advisor.reports.charts.portfolio.portfolio_chart`: each with its position a quarter ago."""
        before = {r["account_id"]: r for r in self.before.frame.to_dicts()}
        out = []
        for row in self.rows(owner):
            move = self.moves.get(row["account_id"])
            earlier = before.get(row["account_id"], {})
            out.append(
                {
                    **row,
                    "previous_segment": move.before if move else None,
                    "previous_revenue": earlier.get("revenue"),
                    "previous_stability": earlier.get("stability_score"),
                    "alarm": bool(move and move.alarm),
                }
            )
        return out

    def listing(
        self, owner: str | None = None, segments: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """What a list of accounts shows, without the reasons' texts: the id, name,
        owner, segment and the one before, revenue (expected for a prospect) and the
        codes and severities of the risks. Cheap enough for 100,000 accounts."""
        frame = self._frame(owner, segments).select(
            "account_id",
            "name",
            "owner",
            "segment",
            "kind",
            pl.when(pl.col("kind") == "existing")
            .then(pl.col("revenue"))
            .otherwise(pl.col("expected_revenue"))
            .alias("shown_revenue"),
        )
        # Column by column, then one dict per account: 100,000 accounts in a few
        # tenths of a second.
        ids = frame["account_id"].to_list()
        moves, risks = self.moves, self.risks
        previous = [move.before if (move := moves.get(i)) else None for i in ids]
        pair = attrgetter("severity", "code")
        shown_risks = [list(map(pair, found)) if (found := risks.get(i)) else [] for i in ids]
        return [
            {
                "account_id": i,
                "name": name,
                "owner": who,
                "segment": segment,
                "previous_segment": before,
                "kind": kind,
                "revenue": revenue,
                "risks": found,
            }
            for i, name, who, segment, before, kind, revenue, found in zip(
                ids,
                frame["name"].to_list(),
                frame["owner"].to_list(),
                frame["segment"].to_list(),
                previous,
                frame["kind"].to_list(),
                map(clean, frame["shown_revenue"].to_list()),
                shown_risks,
                strict=True,
            )
        ]

    def allocation(
        self, owner: str | None = None, hours_per_week: float = 40.0
    ) -> list[RepAllocation]:
        return time_allocation(self.rows(owner), hours_per_week)

    def at_risk(self, owner: str | None = None) -> dict[str, Any]:
        rows = self.rows(owner)
        total = sum(r["revenue"] or 0.0 for r in rows if r["kind"] == "existing")
        flagged = [
            r
            for r in rows
            if any(risk.severity in SERIOUS for risk in self.risks.get(r["account_id"], []))
        ]
        revenue = sum(r["revenue"] or 0.0 for r in flagged)
        codes = Counter(
            risk.code
            for r in rows
            for risk in self.risks.get(r["account_id"], [])
            if risk.severity in SERIOUS
        )
        return {
            "accounts": len(flagged),
            "revenue": round(revenue, 2),
            "share": round(revenue / total, 4) if total else 0.0,
            "by_risk": dict(sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))),
        }

    def summary(self, lang: str = "en", owner: str | None = None) -> dict[str, Any]:
        """Counts and revenue per segment, movements, revenue at risk, time allocation."""
        check_lang(lang)
        rows = self.rows(owner)
        total = sum(r["revenue"] or 0.0 for r in rows if r["kind"] == "existing")
        segments = []
        for segment in SEGMENTS:
            members = [r for r in rows if r["segment"] == segment]
            revenue = sum(
                (r["revenue"] if r["kind"] == "existing" else r["expected_revenue"]) or 0.0
                for r in members
            )
            segments.append(
                {
                    "segment": segment,
                    "label": label(f"segment.{segment}.name", lang),
                    "strategy": label(f"segment.{segment}.strategy", lang),
                    "accounts": len(members),
                    "revenue": round(revenue, 2),
                    "share": round(revenue / total, 4) if total and segment[0] == "E" else None,
                    "expected": segment[0] == "P",
                }
            )
        ids = {r["account_id"] for r in rows}
        moves = {k: m for k, m in self.moves.items() if k in ids}
        names = {r["account_id"]: r for r in rows}
        alarms = [
            {
                "account_id": m.account_id,
                "name": names[m.account_id]["name"],
                "owner": names[m.account_id]["owner"],
                "from": m.before,
                "to": m.now,
            }
            for m in moves.values()
            if m.alarm
        ]
        c = self.now.contribution
        return {
            "as_of": self.as_of.isoformat(),
            "previous_as_of": self.before.as_of.isoformat(),
            "owner": owner,
            "accounts": len(rows),
            "revenue": round(total, 2),
            "contribution": {
                "mode": c.mode,
                "ranked_accounts": c.n,
                "top_accounts": c.k,
                "threshold": c.threshold,
                "top_revenue_share": c.top_revenue_share,
            },
            "segments": segments,
            "movements": movement_matrix(moves),
            "alarms": sorted(alarms, key=lambda a: a["account_id"]),
            "at_risk": self.at_risk(owner),
            "allocation": [a.as_dict() for a in self.allocation(owner)],
        }


def analyse(
    transactions: pl.DataFrame,
    accounts: pl.DataFrame | None = None,
    events: pl.DataFrame | None = None,
    as_of: dt.date | None = None,
    config: SegmentConfig | None = None,
    risk_config: RiskConfig | None = None,
    purchases: Purchases | None = None,
) -> PortfolioAnalysis:
    """`purchases` is `Purchases.of(transactions)`, when the caller has it already."""
    # Both dates read the same prepared arrays: encoded and sorted once.
    purchases = purchases or Purchases.of(transactions)
    now = segment_accounts(transactions, accounts, as_of, config, purchases)
    # The quarter before runs in numpy and polars, which let go of the GIL, while the
    # risk rules run in Python: on two cores they overlap.
    with ThreadPoolExecutor(max_workers=1) as pool:
        earlier = pool.submit(
            previous_segmentation, transactions, accounts, now.as_of, config, purchases
        )
        risks = account_risks(now, events, risk_config)
        before = earlier.result()
    return PortfolioAnalysis(now, before, risks, movements(now, before))


def analyse_store(
    store: AccountStore,
    as_of: dt.date | None = None,
    config: SegmentConfig | None = None,
    risk_config: RiskConfig | None = None,
    today: dt.date | None = None,
) -> PortfolioAnalysis:
    """Analyse everything in the store. With no transactions at all, as-of falls back to `today`."""
    transactions = store.purchases()
    if as_of is None and transactions.height == 0:
        as_of = today or dt.date.today()
    # The purchases are prepared (numpy and polars) while the accounts are read.
    with ThreadPoolExecutor(max_workers=1) as pool:
        prepared = pool.submit(Purchases.of, transactions)
        accounts, events = store.accounts(), store.events()
        purchases = prepared.result()
    return analyse(transactions, accounts, events, as_of, config, risk_config, purchases)


def monthly_revenue(
    store: AccountStore, account_id: str, as_of: dt.date | None = None, months: int = 24
) -> list[tuple[dt.date, float]]:
    """(month start, revenue) oldest first, ending with the as-of month (default: latest purchase on record)."""
    as_of = as_of or store.latest_transaction_date() or dt.date.today()
    return monthly_series(store.transactions(account_id), account_id, as_of, months)
