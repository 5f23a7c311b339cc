"""Proactive alerts on hand-built snapshots and on the sample portfolio, with a fixed clock:
what counts as moving into risk, de-duplication, quiet hours, opt-out, the settings."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from advisor.alerts.config import AlertConfig
from advisor.alerts.rules import (
    AccountState,
    Snapshot,
    alerts_for,
    in_quiet_hours,
    release_time,
    snapshot_of,
)
from advisor.alerts.service import AlertService
from advisor.alerts.store import AlertStore
from advisor.errors import ConfigError
from advisor.settings import Settings
from advisor.users.store import UserStore

DAY = dt.date(2026, 11, 2)
SEOUL = AlertConfig(timezone="Asia/Seoul")  # quiet 21:00–08:00 local, dedup 7 days
KIM, WANG, MANAGER = 1001, 1003, 2001


def state(
    segment: str, *risks: tuple[str, str, dict], owner: str = "kim.minji", revenue: float = 100.0
) -> AccountState:
    return AccountState(
        f"Account {segment}",
        owner,
        segment,
        revenue,
        {code: {"severity": sev, "params": params} for code, sev, params in risks},
    )


def snap(day: dt.date, **accounts: AccountState) -> Snapshot:
    return Snapshot(day, day, accounts)


def complaint(days: int) -> tuple[str, str, dict]:
    return ("unresolved_complaint", "high", {"count": 1, "since": "2026-08-20", "days": days})


def _reasons(alerts) -> set[tuple[str, str]]:
    return {(a.account_id, a.reason) for a in alerts}


# ---- what moved into risk ---------------------------------------------------------------


def test_the_first_run_only_records_the_picture() -> None:
    today = snap(DAY, A1=state("EII", ("sharp_decline", "high", {})))
    assert alerts_for(None, today) == []


def test_a_fall_from_ei_and_new_declines_and_lapses_are_alerts() -> None:
    yesterday = snap(
        DAY - dt.timedelta(days=1),
        A1=state("EI"),
        A2=state("EIII"),
        A3=state("EII"),
        A4=state("EIII", ("lapsed", "medium", {"days": 60})),
        A5=state("EII"),
    )
    today = snap(
        DAY,
        A1=state("EII", ("sharp_decline", "high", {"last_q": 1.0})),  # fell, declines
        A2=state("EIV"),  # EIII → EIV is no alarm
        A3=state("EI"),  # a rise
        A4=state("EIII", ("lapsed", "medium", {"days": 61})),  # lapsed already
        A5=state(
            "EII", ("lapsed", "medium", {"days": 91}), ("competitor_offer", "high", {"days": 3})
        ),
    )
    found = alerts_for(yesterday, today)
    assert _reasons(found) == {("A1", "segment_drop"), ("A1", "sharp_decline"), ("A5", "lapsed")}
    drop = next(a for a in found if a.reason == "segment_drop")
    assert (drop.params, drop.severity) == ({"from": "EI", "to": "EII"}, "high")
    # Competitor offers are not among the default reasons; they can be added.
    wider = AlertConfig(reasons=("competitor_offer",))
    assert _reasons(alerts_for(yesterday, today, wider)) == {("A5", "competitor_offer")}


def test_an_open_complaint_is_alerted_once_it_has_waited_too_long() -> None:
    def run(before: int | None, now: int) -> bool:
        earlier = {"A1": state("EII", complaint(before))} if before is not None else {}
        return bool(
            alerts_for(
                snap(DAY, **earlier),
                snap(DAY, A1=state("EII", complaint(now))),
                AlertConfig(complaint_days=14),
            )
        )

    assert not run(9, 10)  # too young
    assert run(13, 14)  # crosses the threshold today
    assert not run(14, 15)  # crossed yesterday: already alerted
    assert run(None, 20)  # an account new to the data


def test_alerts_come_most_severe_first_then_by_revenue() -> None:
    before = snap(DAY, A1=state("EIII"), A2=state("EIII"), A3=state("EI"))
    now = snap(
        DAY,
        A1=state("EIII", ("lapsed", "medium", {}), revenue=500),
        A2=state("EIII", ("lapsed", "medium", {}), revenue=900),
        A3=state("EII", revenue=10),
    )
    assert [a.account_id for a in alerts_for(before, now)] == ["A3", "A2", "A1"]


def test_a_snapshot_survives_json() -> None:
    original = snap(DAY, A1=state("EII", complaint(20)))
    assert Snapshot.from_json(original.to_json()) == original


# ---- the settings and quiet hours ---------------------------------------------------------


def _alerts_from(env: dict[str, str]) -> AlertConfig:
    """The alert configuration as the settings read it from these variables."""
    return Settings.from_env(env).alerts


def test_settings_come_from_the_environment() -> None:
    config = _alerts_from(
        {
            "ADVISOR_ALERT_TIME": "07:45",
            "ADVISOR_DIGEST_DAY": "Friday",
            "ADVISOR_QUIET_HOURS": "22-7",
            "ADVISOR_ALERT_DEDUP_DAYS": "3",
            "ADVISOR_COMPLAINT_ALERT_DAYS": "30",
            "ADVISOR_TIMEZONE": "Asia/Seoul",
            "ADVISOR_ALERT_REASONS": "segment_drop, lost",
        }
    )
    assert (config.alert_time, config.digest_weekday, config.quiet_start, config.quiet_end) == (
        dt.time(7, 45),
        4,
        dt.time(22),
        dt.time(7),
    )
    assert (config.dedup_days, config.complaint_days, config.timezone, config.reasons) == (
        3,
        30,
        "Asia/Seoul",
        ("segment_drop", "lost"),
    )
    assert _alerts_from({}) == AlertConfig()
    assert _alerts_from({"ADVISOR_QUIET_HOURS": "off"}).quiet_start is None


@pytest.mark.parametrize(
    "name, value",
    [
        ("ADVISOR_ALERT_TIME", "25:00"),
        ("ADVISOR_ALERT_TIME", "noon"),
        ("ADVISOR_DIGEST_DAY", "someday"),
        ("ADVISOR_QUIET_HOURS", "21"),
        ("ADVISOR_ALERT_DEDUP_DAYS", "0"),
        ("ADVISOR_COMPLAINT_ALERT_DAYS", "two"),
        ("ADVISOR_TIMEZONE", "Mars/Olympus"),
        ("ADVISOR_ALERT_REASONS", "bad_luck"),
    ],
)
def test_a_bad_setting_is_a_config_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        _alerts_from({name: value})


def _at(hour: int, minute: int = 0, day: int = 2) -> dt.datetime:
    """A moment given in Seoul time, as UTC."""
    local = dt.datetime(2026, 11, day, hour, minute, tzinfo=SEOUL.tz)
    return local.astimezone(dt.UTC)


def test_quiet_hours_hold_alerts_until_they_end() -> None:
    assert in_quiet_hours(_at(22), SEOUL) and in_quiet_hours(_at(7, 59), SEOUL)
    assert not in_quiet_hours(_at(8), SEOUL) and not in_quiet_hours(_at(20, 59), SEOUL)
    assert release_time(_at(22), SEOUL) == _at(8, day=3)
    assert release_time(_at(3), SEOUL) == _at(8)
    assert release_time(_at(12), SEOUL) == _at(12)
    lunch = dataclasses.replace(SEOUL, quiet_start=dt.time(12), quiet_end=dt.time(13))
    assert in_quiet_hours(_at(12, 30), lunch) and not in_quiet_hours(_at(22), lunch)
    never = dataclasses.replace(SEOUL, quiet_start=None, quiet_end=None)
    assert not in_quiet_hours(_at(3), never)


# ---- the service over the sample portfolio ----------------------------------------------


class DateClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def users(tmp_path):
    store = UserStore(f"sqlite:///{tmp_path / 'advisor.db'}")
    store.add(KIM, "rep", "kim.minji")
    store.add(WANG, "rep", "wang.lei")
    store.add(MANAGER, "manager")
    store.set_language(WANG, "zh")
    yield store
    store.close()


def yesterday_of(directory, day: dt.date = DAY - dt.timedelta(days=1)) -> Snapshot:
    """The sample portfolio as it might have stood on `day`: A001 still EI without its
    sharp decline, A003's complaint not yet past 14 days."""
    current = snapshot_of(directory.analysis, day)
    accounts = dict(current.accounts)
    a1 = accounts["A001"]
    accounts["A001"] = dataclasses.replace(
        a1, segment="EI", risks={k: v for k, v in a1.risks.items() if k != "sharp_decline"}
    )
    a3 = accounts["A003"]
    complaint_now = a3.risks["unresolved_complaint"]
    accounts["A003"] = dataclasses.replace(
        a3,
        risks={
            **a3.risks,
            "unresolved_complaint": {
                **complaint_now,
                "params": {**complaint_now["params"], "days": 10},
            },
        },
    )
    return dataclasses.replace(current, accounts=accounts)


@pytest.fixture
def service(users, sample_directory, knowledge_base):
    clock = DateClock(_at(8, 30))
    alerts = AlertService(
        AlertStore(users.engine), users, lambda: sample_directory, knowledge_base, SEOUL, clock
    )
    alerts.store.save_snapshot(yesterday_of(sample_directory), clock.now)
    alerts.clock = clock  # type: ignore[attr-defined]
    return alerts


def test_each_rep_gets_their_new_risks_with_a_first_step_in_their_language(service) -> None:
    report = service.run_daily()
    assert (report.alerts, report.queued, report.baseline) == (3, 2, False)
    messages = {m.user_id: m.text for m in service.due()}
    assert set(messages) == {KIM, WANG}  # the manager gets the digest, not daily alerts
    kim = messages[KIM]
    assert "A001 ABC Trading — moved down EI → EII (high)" in kim
    assert "sharp decline" in kim and "➡ First step:" in kim and "A003" not in kim
    wang = messages[WANG]
    assert "华东贸易有限公司" in wang and "投诉已" in wang and "第一步" in wang


def test_the_same_account_and_reason_is_not_alerted_twice_within_the_period(service) -> None:
    assert service.run_daily().queued == 2
    service.clock.now += dt.timedelta(days=1)
    assert service.run_daily().alerts == 0  # against today's snapshot nothing is new
    # Yesterday's picture forced back: the same three alerts, left out as duplicates.
    service.store.save_snapshot(
        yesterday_of(service.load_directory(), service.today() - dt.timedelta(days=1)),
        service.clock.now,
    )
    again = service.run_daily()
    assert (again.alerts, again.queued, again.skipped) == (3, 0, 3)
    service.clock.now += dt.timedelta(days=7)  # the period is over
    service.store.save_snapshot(
        yesterday_of(service.load_directory(), service.today() - dt.timedelta(days=1)),
        service.clock.now,
    )
    assert service.run_daily().queued == 2


def test_alerts_queued_in_quiet_hours_wait_for_the_morning(service) -> None:
    service.clock.now = _at(23)
    assert service.run_daily().queued == 2
    assert service.due() == []
    service.clock.now = _at(7, 59, day=3)
    assert service.due() == []
    service.clock.now = _at(8, 0, day=3)
    due = service.due()
    assert len(due) == 2
    for message in due:
        service.sent(message.id)
    assert service.due() == []


def test_an_opted_out_rep_gets_nothing(service, users) -> None:
    users.set_alerts(WANG, False)
    service.run_daily()
    assert [m.user_id for m in service.due()] == [KIM]
    users.set_alerts(KIM, False)  # opted out after the alert was queued: dropped
    assert service.due() == []
    assert service.store.pending() == []


def test_the_digest_goes_to_managers_once_a_week(service, users) -> None:
    assert service.run_digest().queued == 1
    assert service.run_digest().queued == 0  # not twice in a week
    [digest] = service.due()
    assert digest.user_id == MANAGER and digest.kind == "digest"
    assert "Weekly digest — all accounts" in digest.text and "Revenue at risk" in digest.text
    service.clock.now += dt.timedelta(days=7)
    users.set_language(MANAGER, "ko")
    assert service.run_digest().queued == 1
    assert any("주간 요약" in m.text for m in service.due())
