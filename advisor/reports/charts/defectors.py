"""The chart of `advisor defectors`: defection rate by segment, and the causes."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from advisor.i18n.catalogue import DEFECTORS
from advisor.reports.charts.portfolio import COLORS, DPI, WIDTH_IN
from advisor.reports.defectors import DefectorReport


def defector_chart(report: DefectorReport, path: Path | str, lang: str = "en") -> Path:
    """Two panels at phone width: rate by segment (full and partial stacked), causes."""
    path = Path(path)
    fig = Figure(figsize=(WIDTH_IN, 10.8), dpi=DPI)
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, gridspec_kw={"height_ratios": [1, 1], "hspace": 0.45})
    segments = [r.segment for r in report.rates]
    full = [r.full / r.accounts if r.accounts else 0.0 for r in report.rates]
    partial = [r.partial / r.accounts if r.accounts else 0.0 for r in report.rates]
    top.bar(segments, full, color=[COLORS[s] for s in segments])
    top.bar(
        segments, partial, bottom=full, color=[COLORS[s] for s in segments], alpha=0.45, hatch="//"
    )
    for x, r in enumerate(report.rates):
        top.text(x, r.rate + 0.01, f"{r.rate:.0%}", ha="center", va="bottom", fontsize=16)
    top.set_ylim(0, max([r.rate for r in report.rates] + [0.1]) * 1.25)
    top.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    top.set_ylabel(DEFECTORS.say("chart.rate_axis", lang), fontsize=15)
    top.set_title(DEFECTORS.say("chart.by_segment", lang), fontsize=17, loc="left")
    # Neutral swatches: the bars are coloured by segment, the legend is about the fill.
    swatches = [
        Patch(facecolor="#555555", label=DEFECTORS.say("kind.full", lang)),
        Patch(
            facecolor="#555555", alpha=0.45, hatch="//", label=DEFECTORS.say("kind.partial", lang)
        ),
    ]
    top.legend(handles=swatches, frameon=False, fontsize=14, loc="upper left", ncol=2)
    top.tick_params(labelsize=15)

    causes = list(report.causes.items())[::-1]
    labels = [DEFECTORS.say(f"cause.{c}", lang) for c, _ in causes]
    bottom.barh(labels, [n for _, n in causes], color="#b2182b")
    for y, (_, n) in enumerate(causes):
        bottom.text(n, y, f" {n}", va="center", fontsize=15)
    bottom.set_xlabel(DEFECTORS.say("chart.cause_axis", lang), fontsize=15)
    bottom.set_title(DEFECTORS.say("chart.by_cause", lang), fontsize=17, loc="left")
    bottom.tick_params(labelsize=15)
    bottom.set_xlim(0, max([n for _, n in causes] + [1]) * 1.15)
    for ax in (top, bottom):
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.suptitle(DEFECTORS.say("chart.title", lang), fontsize=22, x=0.02, ha="left")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    return path
