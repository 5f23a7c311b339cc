"""Each language as a native writes it: one Korean register, right particles, Taiwan-style
traditional Chinese — checked over every kind of answer text the advisor composes."""

from __future__ import annotations

import re

import pytest

from advisor.answering.service import Advisor
from knowledge.korean import attach, particle, register_slips
from knowledge.textnorm import to_taiwan


@pytest.mark.parametrize(
    ("word", "topic", "direction"),
    [
        ("고객", "고객은", "고객으로"),
        ("거래처", "거래처는", "거래처로"),
        ("서울", "서울은", "서울로"),
        ("A001", "A001은", "A001로"),
        ("EII", "EII는", "EII로"),
        ("ABC Trading", "ABC Trading은", "ABC Trading으로"),
        ("Bluebird Hotels", "Bluebird Hotels는", "Bluebird Hotels로"),
    ],
)
def test_korean_particles_follow_the_final_sound(word, topic, direction) -> None:
    assert attach(word, "은") == topic
    assert attach(word, "으로") == direction
    assert particle("고객", "가") == "이" and particle("거래처", "이") == "가"


def test_register_slips_find_plain_and_casual_endings_and_raw_templates() -> None:
    assert register_slips("먼저 관계를 구축합니다. 고객을 방문하십시오.") == []
    assert register_slips("먼저 관계를 구축한다.")
    assert register_slips("먼저 관계를 구축해요.")
    assert register_slips("ABC(은)는 EII 고객입니다.") == ["(은)는"]


def test_traditional_answers_use_taiwan_phrasing() -> None:
    assert to_taiwan("为挽回客户，采购软件信息") == "為挽回客戶，採購軟體資訊"


# Questions that reach every part of an answer: an account header, a described
# customer, a stated segment, a pitfall, a tactic, a refusal.
ACCOUNT_QUESTIONS = [
    (
        "A001",
        "ABC Trading 주문이 절반으로 줄었고 경쟁사가 리베이트를 제안했어요. 어떻게 해야 하나요?",
    ),
    ("A003", "华东贸易的投诉还没有解决，我该怎么办？"),
    ("A004", "Pacific Retail Group 대금 연체가 계속됩니다. 어떻게 해야 하나요?"),
    ("A009", "Bluebird Hotels 계약을 빨리 성사시키려면 어떻게 해야 하나요?"),
    ("A001", "ABC Trading的訂單減半了，競爭對手在提供返利，我該怎麼辦？"),
]
GENERAL_QUESTIONS = [
    "매달 주문은 하는데 양이 너무 적은 거래처, 계속 방문해야 하나요?",
    "EII 고객이 새로운 것을 시도하는 걸 좋아해서 떠나려고 합니다. 어떻게 하죠?",
    "대형 고객이 30% 가격 인하를 요구합니다. 어떤 협상 전술을 써야 하나요?",
    "큰 거래처만 챙기다 보니 작은 대리점들이 불만이에요. 괜찮을까요?",
    "老客戶每個月都下單，但量很小，要不要多跑幾趟？",
    "客户想先给我们一个小订单，但主项目还没定，要接吗？",
    "내일 서울 날씨 어때요?",
]


def _body(answer) -> str:
    return answer.body or answer.text


@pytest.fixture(scope="module")
def advisor(knowledge_base, sample_directory) -> Advisor:
    return Advisor(knowledge_base, sample_directory)


def _answers(advisor: Advisor):
    for account, question in ACCOUNT_QUESTIONS:
        yield question, advisor.ask(question)
        yield question + " (follow-up)", advisor.ask(question, account_id=account, follow_up=True)
    for question in GENERAL_QUESTIONS:
        yield question, advisor.ask(question)
    yield "ambiguous", advisor.ask("永盛食品最近怎么样？")


def test_no_generated_answer_mixes_registers_or_shows_a_raw_template(advisor) -> None:
    checked = 0
    for question, answer in _answers(advisor):
        body = _body(answer)
        assert "{" not in body and "}" not in body, (question, body)
        assert not re.search(r"\((?:은|이|을|과|으로)\)", body), (question, body)
        if answer.language == "ko":
            # The advisor's own sentences (quoted sources are not in the body).
            assert register_slips(body) == [], (question, register_slips(body))
            checked += 1
        if answer.language == "zh-Hant":
            assert body == to_taiwan(body), (
                question
            )  # nothing left in simplified or OpenCC-standard forms
            assert "爲" not in body and "挽迴" not in body
    assert checked >= 8


def test_every_bundled_korean_message_is_in_one_register() -> None:
    from advisor.i18n.catalogue import ADVISOR

    def texts(node):
        if isinstance(node, dict):
            if "ko" in node and isinstance(node["ko"], str):
                yield node["ko"]
            for value in node.values():
                yield from texts(value)

    slips = [(t, register_slips(t)) for t in texts(ADVISOR.data) if register_slips(t)]
    assert slips == []
