"""The portfolio chart behind /portfolio: drawn once per language, redrawn when the data moves."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.chat.text import Lang

if TYPE_CHECKING:
    from advisor.accounts.directory import AccountDirectory
    from advisor.accounts.portfolio import PortfolioAnalysis


@dataclass
class PortfolioCharts:
    """PNG files under `directory`, one per language, each remembered with the analysis drawn."""

    directory: Path
    _drawn: dict[str, tuple[PortfolioAnalysis, Path]] = field(default_factory=dict, repr=False)
    # matplotlib shares font caches and settings between threads: one drawing at a time.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def chart(self, accounts: AccountDirectory, lang: Lang) -> Path:
        """The chart of the account directory's current analysis, in the language."""
        # Imported here: matplotlib is loaded only once someone asks for a chart.
        from advisor.reports.charts.portfolio import portfolio_chart

        with self._lock:
            # A directory that reloaded its data has a new analysis object: draw again.
            analysis = accounts.analysis
            cached = self._drawn.get(lang.code)
            if cached is None or cached[0] is not analysis:
                path = self.directory / f"portfolio-{lang.code}.png"
                self._drawn[lang.code] = (
                    analysis,
                    portfolio_chart(
                        analysis.chart_rows(),
                        path,
                        lang.code,
                        threshold=analysis.now.contribution.threshold,
                        as_of=analysis.as_of,
                        window_months=analysis.now.config.window_months,
                    ),
                )
            return self._drawn[lang.code][1]
