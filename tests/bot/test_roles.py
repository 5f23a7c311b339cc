"""Who sees what, through the real bot over HTTP against the fake Bot API."""

from __future__ import annotations

from advisor.answering.service import Advisor
from advisor.chat.core import Conversation
from tests.fakes.chat import MANAGER, REPS, STRANGER, TRAINEE, Spy

KIM = REPS["kim.minji"]


def test_an_unknown_user_is_refused_by_id_and_nothing_is_looked_up(
    advisor, users, clock, tmp_path, start_bot, telegram
) -> None:
    spy = Spy(advisor)
    start_bot(Conversation(spy, users, tmp_path, clock=clock))
    telegram.send_text(STRANGER, "/start")
    telegram.send_text(STRANGER, "ABC Trading halved its orders — what now?")
    telegram.send_text(STRANGER, "/brief A001", language_code="ko")
    texts = telegram.wait_sent(STRANGER, 3)
    assert all(str(STRANGER) in t for t in texts)
    assert "registered members of the sales team" in texts[0]
    assert "텔레그램 ID는" in texts[2]
    assert spy.touched == []
    assert not any("reply_markup" in c.params for c in telegram.sent(STRANGER))


def test_a_manager_gets_briefs_the_portfolio_chart_and_the_at_risk_list(
    conversation, start_bot, telegram
) -> None:
    start_bot(conversation)
    telegram.send_text(MANAGER, "/brief A003")
    telegram.send_text(MANAGER, "/atrisk")
    telegram.send_text(MANAGER, "/portfolio")
    telegram.wait_for(lambda: bool(telegram.calls_of("sendPhoto")), what="the portfolio chart")
    # The chart and its summary may arrive in either order: wait for the summary itself.
    telegram.wait_for(
        lambda: any("At risk:" in t for t in telegram.texts(MANAGER)), what="the portfolio summary"
    )
    texts = telegram.texts(MANAGER)
    assert texts[0].startswith("Account brief: 华东贸易有限公司 (A003)")  # the heading, bold
    everything = "\n".join(texts)
    assert "<b>" not in everything and "**" not in everything  # parsed like Telegram does
    at_risk = next(t for t in texts if t.startswith("Accounts at risk"))
    assert "wang.lei" in at_risk and "kim.minji" in at_risk
    [photo] = telegram.calls_of("sendPhoto")
    assert photo.files["photo"].startswith(b"\x89PNG")
    assert photo.params["caption"].startswith("Portfolio as of")
    assert any(t.startswith("Portfolio") or "At risk:" in t for t in texts)


def test_a_rep_sees_their_accounts_and_not_another_reps(conversation, start_bot, telegram) -> None:
    start_bot(conversation)
    telegram.send_text(KIM, "/brief A001")
    telegram.send_text(KIM, "/brief A003")
    telegram.send_text(KIM, "/brief A999")
    telegram.send_text(KIM, "/portfolio")
    telegram.wait_for(
        lambda: len([t for t in telegram.texts(KIM) if "found" in t or "managers" in t]) >= 3,
        what="the rep's replies",
    )
    texts = telegram.texts(KIM)
    assert texts[0].startswith("Account brief: ABC Trading (A001)")
    refusals = [t for t in texts if "found" in t]
    assert refusals == ["No account 'A003' found.", "No account 'A999' found."]
    assert texts[-1].startswith("This view is for managers")
    assert not telegram.calls_of("sendPhoto")


def test_a_trainee_gets_guidance_and_no_account_data(
    knowledge_base, sample_directory, users, clock, tmp_path, start_bot, telegram
) -> None:
    directory = Spy(sample_directory)
    start_bot(Conversation(Advisor(knowledge_base, directory), users, tmp_path, clock=clock))
    telegram.send_text(TRAINEE, "/brief A001")
    telegram.send_text(TRAINEE, "/atrisk")
    telegram.send_text(
        TRAINEE,
        "ABC Trading cut its orders by half and a competitor offers rebates — what do I do?",
    )
    telegram.send_text(TRAINEE, "/quiz")
    telegram.wait_for(
        lambda: any("Tap the number" in t for t in telegram.texts(TRAINEE)), what="the quiz reply"
    )
    texts = telegram.texts(TRAINEE)
    assert texts[0].startswith("Account data isn't available to trainees")
    assert texts[1] == texts[0]
    answer = "\n".join(texts[2:-1])
    assert "What to do:" in answer and "A001" not in answer and "kim.minji" not in answer
    assert directory.touched == []


def test_in_a_group_chat_nothing_is_shown_and_commands_point_to_a_private_chat(
    conversation, start_bot, telegram
) -> None:
    group = -100777
    start_bot(conversation)
    telegram.send_text(MANAGER, "ABC Trading halved its orders — what now?", group=group)
    telegram.send_text(MANAGER, "/brief@advisor_test_bot A003", group=group)
    [notice] = telegram.wait_sent(group, 1)
    assert notice.startswith("I only answer in private chats")
    telegram.send_text(MANAGER, "/brief A003")
    telegram.wait_sent(MANAGER, 1)
    assert len(telegram.sent(group)) == 1  # the question in the group got no answer
