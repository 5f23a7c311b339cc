"""Korean as a native writes it: particles chosen by the final consonant, one register.

Answers are written in the formal polite register (합니다체). The plain written
register (한다체: 한다, 있다, 이다) and the casual polite one (해요체) read as
a different voice when mixed into it, so `register_slips` finds them.
"""

from __future__ import annotations

import re

_HANGUL_BASE, _HANGUL_LAST = 0xAC00, 0xD7A3
# Particle pairs: (after a final consonant, after a vowel). 으로/로 also takes 로
# after ㄹ.
_PARTICLES = {
    "은": ("은", "는"),
    "는": ("은", "는"),
    "이": ("이", "가"),
    "가": ("이", "가"),
    "을": ("을", "를"),
    "를": ("을", "를"),
    "과": ("과", "와"),
    "와": ("과", "와"),
    "으로": ("으로", "로"),
    "로": ("으로", "로"),
    "이나": ("이나", "나"),
    "나": ("이나", "나"),
    "이다": ("이다", "다"),
    "입니다": ("입니다", "입니다"),
}
# How a Latin letter or digit is read aloud, as far as the final sound goes:
# whether the reading ends in a consonant (and whether that consonant is ㄹ).
_LATIN_FINAL = {
    **dict.fromkeys("bcdegkpqtvz", "vowel"),  # 비, 씨, 디, 이, 지, 케이, 피, 큐, 티, 브이, 지
    **dict.fromkeys(
        "ahijosuwxy", "vowel"
    ),  # 에이, 에이치, 아이, 제이, 오, 에스, 유, 더블유, 엑스, 와이
    **dict.fromkeys("fmn", "consonant"),  # 에프, 엠, 엔
    "l": "rieul",
    "r": "rieul",  # 엘, 알
}
_DIGIT_FINAL = {
    "0": "consonant",
    "1": "rieul",
    "2": "vowel",
    "3": "consonant",
    "4": "vowel",
    "5": "vowel",
    "6": "consonant",
    "7": "rieul",
    "8": "rieul",
    "9": "vowel",
}


def final_sound(word: str) -> str:
    """`consonant`, `rieul` (ends in ㄹ) or `vowel`: how the word ends when read aloud."""
    stripped = re.sub(r"[\s\)\]\"'”’」』.,]+$", "", word)
    if not stripped:
        return "vowel"
    last = stripped[-1]
    point = ord(last)
    if _HANGUL_BASE <= point <= _HANGUL_LAST:
        jong = (point - _HANGUL_BASE) % 28
        if jong == 0:
            return "vowel"
        return "rieul" if jong == 8 else "consonant"
    if last.isdigit():
        return _DIGIT_FINAL[last]
    word_end = re.search(r"[A-Za-z]+$", stripped)
    if word_end and len(word_end.group(0)) > 1 and not word_end.group(0).isupper():
        # An English word is read by its sound, not its letters: Trading 트레이딩,
        # Hotel 호텔, Supplies 서플라이즈.
        tail = word_end.group(0).lower()
        if tail.endswith(("ng", "m", "n")):
            return "consonant"
        return "rieul" if tail.endswith("l") else "vowel"
    return _LATIN_FINAL.get(last.lower(), "vowel")


def particle(word: str, particle_name: str) -> str:
    """The form of a particle that follows `word`: particle("고객", "는") → "은"."""
    after_consonant, after_vowel = _PARTICLES[particle_name]
    sound = final_sound(word)
    if particle_name in ("으로", "로") and sound == "rieul":
        return "로"
    return after_consonant if sound != "vowel" else after_vowel


def attach(word: str, particle_name: str) -> str:
    """`word` with the right form of the particle: attach("EII", "은") → "EII는"."""
    return word + particle(word, particle_name)


# A template's unresolved particle pair, such as (은)는 or (이)가.
_RAW_PARTICLE = re.compile(r"\((?:은|이|을|과|으로|이나)\)(?:는|가|를|와|로|나)")


def register_slips(text: str) -> list[str]:
    """Endings that break 합니다체 and raw particle templates such as "(은)는", in order."""
    slips = [m.group(0) for m in _RAW_PARTICLE.finditer(text)]
    for sentence in re.split(r"(?<=[.!?。])\s+|\n", text):
        sentence = sentence.strip().rstrip(')」』"”’')
        match = re.search(r"([가-힣]{1,3})[.!?。]?$", sentence)
        if not match:
            continue
        ending = match.group(1)
        plain = ending.endswith("다") and not ending.endswith("니다")
        if plain or ending.endswith("요"):
            slips.append(sentence[-20:])
    return slips
