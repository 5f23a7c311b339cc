"""Several bot processes on one database: the chat context and the answers behind the
buttons are in the store, so any replica can serve any update."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from advisor.chat.core import Conversation
from tests.fakes.chat import MANAGER, REPS, Spy

ROOT = Path(__file__).resolve().parents[2]
KIM = REPS["kim.minji"]
SECRET = "replica-Secret_1"
FOLLOW_UP = "what tactics if they ask for a 30% cut?"


def _buttons(reply) -> dict[str, str]:
    return {b.label: b.data for row in reply.buttons for b in row}


def test_a_second_conversation_on_the_same_database_keeps_the_context_and_the_answers(
    advisor, users, clock, tmp_path
) -> None:
    first = Conversation(advisor, users, tmp_path, clock=clock)
    spy = Spy(advisor)
    second = Conversation(spy, users, tmp_path, clock=clock)
    first.handle_text(MANAGER, "/brief A001")
    follow_up = second.handle_text(MANAGER, FOLLOW_UP)
    assert "ABC Trading (A001" in follow_up.text
    answer = first.handle_text(KIM, "A key account demands a 30% price cut. What should I do?")
    spy.touched.clear()
    sources = second.button(KIM, _buttons(answer)["📚 Sources"])
    assert sources.text.startswith("Sources behind this answer")
    assert "ask" not in spy.touched  # served from the stored answer, not asked again
    assert sources.text == first.button(KIM, _buttons(answer)["📚 Sources"]).text


def test_the_stored_context_and_answers_expire_after_30_minutes(
    advisor, users, clock, tmp_path
) -> None:
    first = Conversation(advisor, users, tmp_path, clock=clock)
    first.handle_text(MANAGER, "/brief A001")
    first.handle_text(MANAGER, "/lang auto")
    first.handle_text(MANAGER, "A001 업체가 가격을 30% 내려 달라고 합니다")  # written in Korean
    clock.advance(31 * 60)
    second = Conversation(advisor, users, tmp_path, clock=clock)
    assert second.contexts.get(MANAGER).account_id is None
    assert second.contexts.get(MANAGER).language == "ko"  # the language is kept
    assert "A001" not in second.handle_text(MANAGER, FOLLOW_UP).text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _post(port: int, update: dict) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            response = httpx.post(
                f"http://127.0.0.1:{port}/hook",
                json=update,
                timeout=10,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            break
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    assert response.status_code == 200, response.text


def test_two_bot_processes_on_one_database_serve_alternate_updates(
    bundled_index, sample_store, users, db_url, telegram, tmp_path
) -> None:
    ports = [_free_port(), _free_port()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env.update(
        TELEGRAM_BOT_TOKEN=telegram.token,
        TELEGRAM_API_BASE_URL=telegram.url,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        ADVISOR_TEST_INDEX=str(bundled_index.index_dir),
        ADVISOR_TEST_DB=db_url,
        ADVISOR_TEST_ACCOUNTS=sample_store.url,
        ADVISOR_TEST_CHARTS=str(tmp_path / "charts"),
        ADVISOR_HOME=str(tmp_path),
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.bot_process"],
            cwd=ROOT,
            env={**env, "ADVISOR_TEST_WEBHOOK_PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for port in ports
    ]
    try:
        telegram.wait_for(
            lambda: len(telegram.calls_of("setWebhook")) == 2, timeout=120, what="both replicas"
        )
        # Update 1 to the first replica: a brief of A001, which becomes the chat's account.
        _post(ports[0], telegram.message_update(KIM, "/brief A001"))
        [brief] = telegram.wait_sent(KIM, 1, timeout=60)
        assert brief.startswith("Account brief: ABC Trading (A001)")
        # Update 2 to the second replica: a follow-up that names no account.
        _post(ports[1], telegram.message_update(KIM, FOLLOW_UP))
        telegram.wait_for(
            lambda: any("reply_markup" in c.params for c in telegram.sent(KIM)[1:]),
            timeout=60,
            what="the follow-up answer",
        )
        follow_up = " ".join(telegram.texts(KIM)[1:])
        assert "ABC Trading (A001" in follow_up
        # Update 3 to the first replica: a button under the answer the second one gave.
        last = [c for c in telegram.sent(KIM) if "reply_markup" in c.params][-1]
        buttons = {
            b["text"]: b["callback_data"]
            for row in last.params["reply_markup"]["inline_keyboard"]
            for b in row
        }
        before = len(telegram.sent(KIM))
        callback = {
            "update_id": 10_000,
            "callback_query": {
                "id": "1",
                "from": {"id": KIM, "is_bot": False, "first_name": "Kim", "language_code": "en"},
                "chat_instance": "1",
                "data": buttons["📚 Sources"],
                "message": {
                    "message_id": 2,
                    "date": int(time.time()),
                    "chat": {"id": KIM, "type": "private"},
                    "text": "…",
                },
            },
        }
        _post(ports[0], callback)
        telegram.wait_for(lambda: len(telegram.sent(KIM)) > before, timeout=60, what="the sources")
        assert telegram.texts(KIM)[before].startswith("Sources behind this answer")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                _out, err = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                _out, err = process.communicate()
            assert "Traceback" not in err, err
