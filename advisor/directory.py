"""The account directory the advisor reads: a portfolio analysis, seen through one interface."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from advisor.accounts.portfolio import PortfolioAnalysis, analyse_store, monthly_revenue
from advisor.accounts.segmentation import SegmentConfig
from advisor.accounts.store import AccountStore
from advisor.errors import AccountNotFoundError


@dataclass
class PortfolioDirectory:
    """Accounts, their analysis and their monthly revenue, from one store."""

    analysis: PortfolioAnalysis
    store: AccountStore

    @classmethod
    def load(
        cls, store: AccountStore, as_of: dt.date | None = None, config: SegmentConfig | None = None
    ) -> PortfolioDirectory:
        return cls(analyse_store(store, as_of, config), store)

    def accounts(self, owner: str | None = None) -> Sequence[Mapping[str, Any]]:
        return [
            {"account_id": r["account_id"], "name": r["name"], "owner": r["owner"]}
            for r in self.analysis.rows(owner)
        ]

    def record(self, account_id: str, lang: str) -> Mapping[str, Any]:
        record = dict(self.analysis.account(account_id, lang))
        details = self.store.get_account(account_id) or {}
        record["industry"] = details.get("industry")
        record["region"] = details.get("region")
        return record

    def monthly(self, account_id: str, months: int = 24) -> list[tuple[dt.date, float]]:
        if self.store.get_account(account_id) is None:
            raise AccountNotFoundError(f"no account '{account_id}'")
        return monthly_revenue(self.store, account_id, self.analysis.as_of, months)

    def at_risk_ids(self, owner: str | None = None) -> list[str]:
        """Accounts with a high or medium risk signal: most severe first, then by revenue."""
        order = {"high": 0, "medium": 1}
        ranked = []
        for row in self.analysis.rows(owner):
            severities = [
                order[r.severity] for r in self.analysis.risks.get(row["account_id"], [])
                if r.severity in order
            ]
            if severities:
                ranked.append((min(severities), -(row["revenue"] or 0.0), row["account_id"]))
        return [account_id for *_, account_id in sorted(ranked)]

    def hours_per_week(self, account_id: str, owner: str | None) -> float | None:
        """The weekly hours the time-allocation guidance gives this account."""
        segment = self.analysis.account(account_id)["segment"]
        for rep in self.analysis.allocation(owner):
            if rep.owner == (owner or "(none)"):
                for share in rep.segments:
                    if share.segment == segment:
                        return share.hours_per_account
        return None
