"""The people of the chat tests (reps with their Telegram ids, a manager, a trainee, a
stranger), a clock that moves only when a test says so, and a spy on attribute reads."""

from __future__ import annotations

REPS = {
    "kim.minji": 1001,
    "lee.junho": 1002,
    "wang.lei": 1003,
    "chen.jing": 1004,
    "smith.anna": 1005,
}
MANAGER, TRAINEE, STRANGER = 2001, 3001, 9999


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Spy:
    """Wraps an object and records every attribute anyone reads from it."""

    def __init__(self, inner: object) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "touched", [])

    def __getattr__(self, name: str):
        self.touched.append(name)
        return getattr(self._inner, name)
