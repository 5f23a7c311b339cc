"""Progress of long steps, told to whoever is watching.

The core reports through a `Progress` (a factory of steps) that it is given; the
command line passes one that draws bars on a terminal, everything else the
silent default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Step(Protocol):
    def advance(self, n: int = 1) -> None: ...

    def close(self) -> None: ...


Progress = Callable[[str, int | None], Step]


class _Silent:
    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def silent(label: str, total: int | None = None) -> Step:
    return _Silent()


def tracked(items: Iterable[T], step: Step) -> Iterator[T]:
    """The items, advancing `step` after each; the step is closed at the end."""
    try:
        for item in items:
            yield item
            step.advance()
    finally:
        step.close()


class _Bar:
    def __init__(self, bar: Any) -> None:
        self._bar = bar

    def advance(self, n: int = 1) -> None:
        self._bar.update(n)

    def close(self) -> None:
        self._bar.close()


def terminal_bars(stream: Any) -> Progress:
    """Bars drawn on `stream` (the CLI's stderr, when it is a terminal)."""
    from tqdm import tqdm

    def start(label: str, total: int | None = None) -> Step:
        return _Bar(
            tqdm(
                total=total,
                desc=label,
                unit="",
                file=stream,
                leave=False,
                dynamic_ncols=True,
                mininterval=0.2,
            )
        )

    return start
