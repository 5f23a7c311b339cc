"""The account directory the advisor reads: a portfolio analysis, seen through one interface.

The bot and `advisor chat` keep one directory for as long as they run, while
`advisor import` may change the store under them (an account handed to another
rep, a month of new orders). So every read first compares the store's revision
(one indexed row, see `AccountStore.revision`) with the one the analysis was
built from, and rebuilds the analysis when it moved: a rep sees the accounts the
store gives them now, not the ones it gave them at start-up. Who may see what is
still decided by the caller (`Advisor.resolve`) before any lookup; the directory
only makes sure that decision is taken on current data.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from advisor.accounts.portfolio import PortfolioAnalysis, analyse_store, monthly_revenue
from advisor.accounts.reasons import SERIOUS, severity_rank
from advisor.accounts.segmentation import SegmentConfig
from advisor.accounts.store import AccountStore
from advisor.accounts.view import AccountRef, AccountView
from advisor.errors import AccountNotFoundError


@runtime_checkable
class AccountDirectory(Protocol):
    """What the advisor, briefs, alerts, the CLI and the chat read about accounts.

    `PortfolioDirectory` is the one implementation; tests may hand in another.
    """

    @property
    def analysis(self) -> PortfolioAnalysis:
        """The portfolio analysis of the accounts as they are now."""
        ...

    @property
    def store(self) -> AccountStore:
        """The accounts store behind it (the alerts read its visit events)."""
        ...

    def accounts(self, owner: str | None = None) -> Sequence[AccountRef]:
        """The accounts a question may name: every one, or one rep's."""
        ...

    def record(self, account_id: str, lang: str) -> AccountView:
        """One account's view, with industry and region; AccountNotFoundError if unknown."""
        ...

    def monthly(self, account_id: str, months: int = 24) -> list[tuple[dt.date, float]]:
        """(month start, revenue) oldest first, up to the analysis' as-of month."""
        ...

    def at_risk_ids(self, owner: str | None = None) -> list[str]:
        """Accounts with a high or medium risk signal, most severe first."""
        ...

    def hours_per_week(self, account_id: str, owner: str | None) -> float | None:
        """The weekly hours the time-allocation guidance gives this account."""
        ...


@dataclass(frozen=True)
class _Loaded:
    analysis: PortfolioAnalysis
    revision: str


class PortfolioDirectory:
    """Accounts, their analysis and their monthly revenue, from one store, kept current."""

    def __init__(
        self,
        store: AccountStore,
        as_of: dt.date | None = None,
        config: SegmentConfig | None = None,
    ) -> None:
        self.store = store
        self._as_of = as_of
        self._config = config
        self._lock = threading.Lock()
        self._loaded = self._load()

    @classmethod
    def load(
        cls, store: AccountStore, as_of: dt.date | None = None, config: SegmentConfig | None = None
    ) -> PortfolioDirectory:
        return cls(store, as_of, config)

    def _load(self) -> _Loaded:
        # The revision is read first: an import landing while the analysis is built
        # makes the next check reload again, never labels old data as new.
        revision = self.store.revision()
        return _Loaded(analyse_store(self.store, self._as_of, self._config), revision)

    def refresh(self) -> PortfolioAnalysis:
        """The analysis of the store as it is now: rebuilt only when the revision moved."""
        loaded = self._loaded
        if loaded.revision == self.store.revision():
            return loaded.analysis
        with self._lock:  # one rebuild at a time; the others then find it done
            if self._loaded.revision != self.store.revision():
                self._loaded = self._load()
            return self._loaded.analysis

    @property
    def revision(self) -> str:
        """The store revision the current analysis was built from."""
        return self._loaded.revision

    @property
    def analysis(self) -> PortfolioAnalysis:
        return self.refresh()

    def accounts(self, owner: str | None = None) -> Sequence[AccountRef]:
        return [
            AccountRef(r["account_id"], r["name"], r["owner"])
            for r in self.analysis.rows(owner, columns=("account_id", "name", "owner"))
        ]

    def record(self, account_id: str, lang: str) -> AccountView:
        """The account's view with its industry and region from the accounts table."""
        view = self.analysis.view(account_id, lang)
        details = self.store.get_account(account_id) or {}
        return view.with_details(details.get("industry"), details.get("region"))

    def monthly(self, account_id: str, months: int = 24) -> list[tuple[dt.date, float]]:
        as_of = self.analysis.as_of
        if self.store.get_account(account_id) is None:
            raise AccountNotFoundError(account_id)
        return monthly_revenue(self.store, account_id, as_of, months)

    def at_risk_ids(self, owner: str | None = None) -> list[str]:
        """Accounts with a high or medium risk signal: most severe first, then by revenue."""
        analysis = self.analysis
        ranked = []
        for row in analysis.rows(owner):
            severities = [
                severity_rank(r.severity)
                for r in analysis.risks.get(row["account_id"], [])
                if r.severity in SERIOUS
            ]
            if severities:
                ranked.append((min(severities), -(row["revenue"] or 0.0), row["account_id"]))
        return [account_id for *_, account_id in sorted(ranked)]

    def hours_per_week(self, account_id: str, owner: str | None) -> float | None:
        """The weekly hours the time-allocation guidance gives this account."""
        analysis = self.analysis
        segment = analysis.view(account_id).segment
        for rep in analysis.allocation(owner):
            if rep.owner == (owner or "(none)"):
                for share in rep.segments:
                    if share.segment == segment:
                        return share.hours_per_account
        return None
