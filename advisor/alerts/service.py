"""The daily alert run and the weekly digest run, and the outbox they fill.

`run_daily` re-analyses the accounts store, compares with yesterday's snapshot,
and queues one message per rep (in the rep's language) listing the accounts
that moved into risk, each with the first step of the advisor's plan for it;
pairs of account and reason already alerted within the de-duplication period
are left out. `run_digest` queues the weekly digest for each manager. `due`
gives the messages to send now: nothing during quiet hours, so what was queued
then waits for their end. The bot's job queue calls these (bot/jobs.py); the
clock is injected.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.alerts.config import AlertConfig
from advisor.alerts.rules import alerts_for, in_quiet_hours, release_time, snapshot_of
from advisor.alerts.store import AlertStore, Outgoing
from advisor.alerts.text import alert_message
from advisor.clock import Clock, utcnow
from advisor.reports.digest import build_digest, digest_text
from advisor.users.store import Role, User, UserStore

if TYPE_CHECKING:
    from advisor.accounts.directory import AccountDirectory
    from advisor.accounts.store import AccountStore
    from advisor.answering.knowledge import KnowledgeBase

log = logging.getLogger(__name__)

DIGEST_EVERY = dt.timedelta(days=6)  # one digest a week, whatever the schedule does


@dataclass(frozen=True)
class RunReport:
    alerts: int  # alerts found (before de-duplication)
    queued: int  # messages queued
    skipped: int  # alerts left out as duplicates
    baseline: bool = False  # no earlier snapshot: only today's picture was recorded


def first_step(
    directory: AccountDirectory, knowledge: KnowledgeBase | None, account_id: str, lang: str
) -> str | None:
    """The first action of the account's plan (as in its brief): its title and first step."""
    from advisor.reports.brief import build_brief

    if knowledge is None:  # the digest's service has no knowledge base: no plan, no step
        return None

    try:
        actions = build_brief(account_id, directory, knowledge, lang=lang).actions
    except Exception:  # an alert without a step is still an alert
        log.exception("alerts: no plan for %s", account_id)
        return None
    if not actions:
        return None
    top = actions[0]
    if not top.steps:
        return top.title
    return f"{top.title}：{top.steps[0]}" if lang == "zh" else f"{top.title} — {top.steps[0]}"


class AlertService:
    def __init__(
        self,
        store: AlertStore,
        users: UserStore,
        load_directory: Callable[[], AccountDirectory | None],
        knowledge: KnowledgeBase | None,
        config: AlertConfig | None = None,
        now: Clock = utcnow,
    ) -> None:
        self.store = store
        self.users = users
        self.load_directory = load_directory
        self.knowledge = knowledge
        self.config = config or AlertConfig()
        self._now = now

    def now(self) -> dt.datetime:
        return self._now().astimezone(dt.UTC)

    def today(self) -> dt.date:
        return self.now().astimezone(self.config.tz).date()

    def _recipients(self, role: Role) -> list[User]:
        opted = self.users.alert_settings()
        return [
            u
            for u in self.users.all_users()
            if u.role is role and opted.get(u.user_id, True) and (role is not Role.REP or u.owner)
        ]

    # ---- the daily run ---------------------------------------------------------

    def run_daily(self) -> RunReport:
        now, today = self.now(), self.today()
        directory = self.load_directory()
        if directory is None:  # no accounts imported yet
            return RunReport(0, 0, 0, baseline=True)
        current = snapshot_of(directory.analysis, today)
        previous = self.store.snapshot_before(today)
        self.store.save_snapshot(current, now)
        if previous is None:
            log.info("alerts: first snapshot (%s); alerts start tomorrow", today)
            return RunReport(0, 0, 0, baseline=True)
        found = alerts_for(previous, current, self.config)
        since = now - dt.timedelta(days=self.config.dedup_days)
        queued = skipped = 0
        for user in self._recipients(Role.REP):
            mine = [a for a in found if a.owner == user.owner]
            done = self.store.recently_alerted(user.user_id, since)
            fresh = [a for a in mine if (a.account_id, a.reason) not in done]
            skipped += len(mine) - len(fresh)
            if not fresh:
                continue
            lang = user.lang or "en"
            actions = {
                a.account_id: first_step(directory, self.knowledge, a.account_id, lang)
                for a in fresh
            }
            text = alert_message(fresh, actions, lang, current.as_of, previous.taken_on)
            self.store.queue(
                user.user_id,
                "alert",
                text,
                now,
                release_time(now, self.config),
                [(a.account_id, a.reason) for a in fresh],
            )
            queued += 1
        return RunReport(len(found), queued, skipped)

    # ---- the weekly digest ------------------------------------------------------

    def digest(self, directory: AccountDirectory, owner: str | None = None) -> dict[str, Any]:
        """The digest as data, for one rep's accounts or (owner None) for all."""
        week_ago = self.store.snapshot_on_or_before(self.today() - dt.timedelta(days=7))
        return build_digest(
            directory.analysis,
            visits_of(directory.store),
            week_ago,
            owner=owner,
            hours=self.config.digest_hours,
        )

    def run_digest(self) -> RunReport:
        now = self.now()
        directory = self.load_directory()
        if directory is None:
            return RunReport(0, 0, 0)
        data = self.digest(directory)
        queued = 0
        for user in self._recipients(Role.MANAGER):
            last = self.store.last_message(user.user_id, "digest")
            if last is not None and now - last < DIGEST_EVERY:
                continue
            text = digest_text(data, user.lang or "en")
            self.store.queue(user.user_id, "digest", text, now, release_time(now, self.config))
            queued += 1
        return RunReport(0, queued, 0)

    # ---- delivery -------------------------------------------------------------------

    def due(self) -> list[Outgoing]:
        """Messages to send now; none during quiet hours. A user who opted out meanwhile
        gets nothing: their waiting messages are dropped."""
        now = self.now()
        if in_quiet_hours(now, self.config):
            return []
        opted = self.users.alert_settings()
        out = []
        for message in self.store.due(now):
            if opted.get(message.user_id, True) and self.users.get(message.user_id):
                out.append(message)
            else:
                self.store.mark(message.id, "dropped", now)
        return out

    def sent(self, message_id: int, delivered: bool = True) -> None:
        self.store.mark(message_id, "sent" if delivered else "dropped", self.now())

    def partly_sent(self, message_id: int, rest: str) -> None:
        """Part of a message went out: the next try sends only `rest`."""
        self.store.keep_rest(message_id, rest)


def visits_of(store: AccountStore) -> list[tuple[str, dt.date]]:
    """(account id, date) of every `visit` event in the accounts store."""
    import polars as pl

    events = store.events()
    if events.height == 0:
        return []
    visits = events.filter(pl.col("type") == "visit")
    return list(zip(visits["account_id"].to_list(), visits["date"].to_list(), strict=True))
