"""Answers in chat: an ambiguous name is asked about, a follow-up keeps the header short."""

from __future__ import annotations

from advisor.answering.understanding import mentioned_accounts
from tests.fakes.chat import MANAGER, REPS

ANNA, CHEN = REPS["smith.anna"], REPS["chen.jing"]
PACIFIC = [
    {"account_id": "A004", "name": "Pacific Retail Group", "owner": "smith.anna"},
    {"account_id": "A024", "name": "Pacific Retail Inc.", "owner": "smith.anna"},
    {"account_id": "A049", "name": "Pacific Foods", "owner": "chen.jing"},
]


def test_an_account_is_found_by_id_in_any_case_by_name_and_in_either_script() -> None:
    import polars as pl

    from advisor.accounts.sample import sample_dir

    accounts = pl.read_csv(sample_dir() / "accounts.csv").to_dicts()
    assert mentioned_accounts("a001", accounts) == ["A001"]
    assert mentioned_accounts("what about abc trading?", accounts) == ["A001"]
    assert mentioned_accounts("華東貿易的投訴", accounts) == ["A003"]  # traditional script
    assert mentioned_accounts("golden hops", accounts) == ["A006"]
    chen = [a for a in accounts if a["owner"] == "chen.jing"]
    assert mentioned_accounts("abc trading", chen) == []  # only another rep's account has it


def test_a_bare_name_finds_its_account_by_part_of_the_name_or_by_a_slip() -> None:
    from advisor.answering.understanding import named_accounts

    assert named_accounts("Pacific Retail Group", PACIFIC) == ["A004"]
    assert named_accounts("Foods", PACIFIC) == ["A049"]  # part of the name
    assert sorted(named_accounts("Pacific Retail", PACIFIC)) == ["A004", "A024"]  # both hold it
    assert named_accounts("Pacfic Fods", PACIFIC) == ["A049"]  # a slip
    assert named_accounts("Northwind", PACIFIC) == []
    assert named_accounts("P", PACIFIC) == []  # too short to name anything


def test_a_name_two_accounts_share_is_ambiguous_and_a_full_name_is_not() -> None:
    assert sorted(mentioned_accounts("Pacific Retail pays late again", PACIFIC)) == ["A004", "A024"]
    assert mentioned_accounts("Pacific Retail Group pays late again", PACIFIC) == ["A004"]
    assert mentioned_accounts("what about pacific retail inc?", PACIFIC) == ["A024"]
    assert mentioned_accounts("A024 pays late", PACIFIC) == ["A024"]
    assert mentioned_accounts("Pacific Foods wants a rebate", PACIFIC) == ["A049"]


def test_the_advisor_asks_which_account_instead_of_picking_one(advisor) -> None:
    answer = advisor.ask("Pacific Retail pays late again. What should I do?")
    assert {c.account_id for c in answer.choices} == {"A004", "A024"}
    assert answer.account_id is None and answer.actions == ()
    assert "A004" in answer.text and "A024" in answer.text and "smith.anna" in answer.text
    assert answer.as_json()["choices"][0].keys() == {"account_id", "name", "owner"}


def test_in_chat_the_matches_are_buttons_and_a_press_answers_for_that_account(conversation) -> None:
    reply = conversation.handle_text(
        ANNA, "Pacific Retail 대금 연체가 계속됩니다. 어떻게 해야 하나요?"
    )
    buttons = [b for row in reply.buttons for b in row]
    assert sorted(b.label.split(" · ")[0] for b in buttons) == ["A004", "A024"]
    assert all("smith.anna" in b.label for b in buttons)
    pick = next(b for b in buttons if b.label.startswith("A004"))
    answered = conversation.button(ANNA, pick.data)
    assert "Pacific Retail Group(A004" in answered.text and "권장 조치" in answered.text
    # Another user cannot use the button.
    assert conversation.button(CHEN, pick.data).notice


def test_a_rep_who_sees_one_of_the_accounts_gets_it_without_a_question(conversation, users) -> None:
    # chen.jing owns none of the Pacific Retail accounts: for chen they do not exist.
    reply = conversation.handle_text(CHEN, "Pacific Retail pays late again. What should I do?")
    assert not reply.buttons or all("A004" not in b.data for row in reply.buttons for b in row)
    assert "A004" not in reply.text and "A024" not in reply.text


def test_a_follow_up_does_not_repeat_the_account_header(conversation) -> None:
    first = conversation.handle_text(MANAGER, "ABC Trading cut its orders by half. What now?").text
    assert "Why this segment:" in first
    follow_up = conversation.handle_text(MANAGER, "and if they ask for a 30% price cut?").text
    assert follow_up.startswith("About ABC Trading (A001, EII):")
    assert "Why this segment:" not in follow_up
