"""A progress sink that records each step's total and how far it got."""

from __future__ import annotations


class Recorder:
    def __init__(self) -> None:
        self.steps: dict[str, list[int | None]] = {}

    def __call__(self, label: str, total: int | None = None) -> Recorder.Step:
        self.steps[label] = [total, 0]
        return Recorder.Step(self.steps[label])

    class Step:
        def __init__(self, cell: list[int | None]) -> None:
            self.cell = cell

        def advance(self, n: int = 1) -> None:
            self.cell[1] = (self.cell[1] or 0) + n

        def close(self) -> None:
            pass
