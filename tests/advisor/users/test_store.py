"""The user store and the conversation's memory (rate limit, context), with a fake clock."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import inspect

from advisor.accounts.store import AccountStore
from advisor.chat.state import Contexts, RateLimiter
from advisor.users.store import Role, UserError, UserStore
from tests.fakes.chat import FakeClock


def test_users_live_beside_the_accounts_in_their_own_tables(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'advisor.db'}"
    with AccountStore(url), UserStore(url) as users:
        users.add(1, Role.MANAGER)
        tables = set(inspect(users.engine).get_table_names())
    assert {"accounts", "transactions", "events", "users", "feedback", "exchanges"} <= tables
    with UserStore(url) as again:  # create_all is idempotent
        assert again.get(1).role is Role.MANAGER


def test_adding_again_changes_the_role_and_keeps_the_language(db_url) -> None:
    with UserStore(db_url) as users:
        users.add(7, "rep", "kim.minji")
        users.set_language(7, "zh")
        changed = users.add(7, "manager")
        assert (changed.role, changed.owner, changed.lang) == (Role.MANAGER, None, "zh")
        assert [u.user_id for u in users.all_users()] == [7]
        assert users.remove(7) and not users.remove(7)
        assert users.get(7) is None


@pytest.mark.parametrize(
    "call",
    [
        lambda u: u.add(1, "admin"),
        lambda u: u.add("1.5", "manager"),
        lambda u: u.add(2**60, "manager"),
        lambda u: u.add(1, "rep", "  "),
        lambda u: u.add(1, "trainee", "kim.minji"),
        lambda u: u.set_language(1, "fr"),
    ],
)
def test_bad_input_is_a_domain_error(db_url, call) -> None:
    with UserStore(db_url) as users, pytest.raises(UserError):
        call(users)


def test_role_parse_lists_the_choices() -> None:
    assert Role.parse(" Rep ") is Role.REP
    with pytest.raises(UserError, match="rep, manager, trainee"):
        Role.parse("boss")


def test_a_second_vote_replaces_the_first(db_url) -> None:
    with UserStore(db_url) as users:
        exchange = users.exchange(users.record_exchange(5, "why?", "ko", "A001"))
        users.record_feedback(exchange, 1)
        users.record_feedback(exchange, -1)
        [vote] = users.all_feedback()
        assert (vote.question, vote.language, vote.account_id, vote.vote) == (
            "why?",
            "ko",
            "A001",
            -1,
        )
        with pytest.raises(UserError):
            users.record_feedback(exchange, 0)


def test_the_token_bucket_refills_with_time() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, capacity=2, per_second=1)
    assert limiter.take(1) == (0.0, False)
    assert limiter.take(1) == (0.0, False)
    wait, first = limiter.take(1)
    assert first and math.isclose(wait, 1.0)
    assert limiter.take(1)[1] is False  # told once
    clock.advance(1)
    assert limiter.take(1) == (0.0, False)
    assert RateLimiter.seconds(0.2) == 1 and RateLimiter.seconds(2.1) == 3


def test_contexts_expire_but_remember_the_language() -> None:
    clock = FakeClock()
    contexts = Contexts(clock, ttl=60)
    contexts.update(1, account_id="A001", question="q", language="ko")
    clock.advance(59)
    assert contexts.get(1).account_id == "A001"
    clock.advance(61)
    expired = contexts.get(1)
    assert (expired.account_id, expired.question, expired.language) == (None, None, "ko")
    contexts.update(1, account_id="A002")
    contexts.reset(1)
    assert contexts.get(1).account_id is None and contexts.get(1).language == "ko"


def test_a_rep_without_an_owner_sees_no_accounts() -> None:
    from advisor.chat.access import scope_for
    from advisor.users.store import User

    assert scope_for(User(1, Role.REP, None)).accounts_allowed is False
    assert scope_for(User(1, Role.REP, "kim.minji")).owner == "kim.minji"
    assert scope_for(User(1, Role.MANAGER)).owner is None
    assert scope_for(User(1, Role.TRAINEE)).accounts_allowed is False
