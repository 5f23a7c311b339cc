"""Charts for managers and briefs: the portfolio matrix and an account's monthly revenue.

Rendered headless (an Agg canvas per figure, never pyplot's global state, so a
bot may draw from several threads) at phone size (1080 px wide) with large type. Korean
and Chinese names need a CJK font: the Noto Sans CJK SC file shipped by the
`mplfonts` package (it covers Hangul and both Chinese scripts) is registered
at import, with DejaVu Sans (matplotlib's own) as the Latin fallback.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import Bbox

from advisor.accounts.reasons import check_lang, label, money
from advisor.i18n.catalogue import ACCOUNTS

if TYPE_CHECKING:
    from matplotlib.axis import Axis

COLORS = {
    "EI": "#1b7837",
    "EII": "#d6604d",
    "EIII": "#4393c3",
    "EIV": "#878787",
    "PI": "#762a83",
    "PII": "#c51b7d",
    "PIII": "#9970ab",
    "PIV": "#bababa",
    "F": "#e0e0e0",
}
ALARM = "#b2182b"
QUADRANT_TINT = {"EI": "#e5f5e0", "EII": "#fde0dd", "EIII": "#deebf7", "EIV": "#f0f0f0"}
DPI = 100
WIDTH_IN = 10.8  # 1080 px: a phone screen's width, no downscaling blur
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _register_cjk_font() -> str | None:
    try:
        import mplfonts
    except ImportError:  # charts still render; CJK text would show as boxes
        return None
    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.exists():
        return None
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams["font.family"] = [name, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font lacks U+2212
    return name


CJK_FONT = _register_cjk_font()


def _intent_score(value: object) -> float | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    named = {"low": 0.2, "medium": 0.5, "high": 0.8}
    if text in named:
        return named[text]
    try:
        return min(1.0, max(0.0, float(text)))
    except ValueError:
        return None


def _short(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


class _Labeller:
    """Greedy label placement: the first nearby spot whose box overlaps nothing placed."""

    OFFSETS = (
        (10, 6),
        (10, -22),
        (-10, 6),
        (-10, -22),
        (16, 24),
        (16, -40),
        (-16, 24),
        (-16, -40),
        (24, 42),
        (24, -58),
        (-24, 42),
        (-24, -58),
    )
    LEADER = {"arrowstyle": "-", "color": "#777777", "lw": 0.8, "shrinkA": 0, "shrinkB": 3}

    def __init__(self, fig: Figure, ax: Axes) -> None:
        self.fig, self.ax = fig, ax
        self.renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        self.taken: list[Bbox] = []

    def block(self, bbox: Bbox) -> None:
        self.taken.append(bbox)

    def place(self, x: float, y: float, text: str, **style: Any) -> None:
        # Measure once, then test candidate boxes in pixels; annotations only get
        # their final position at draw time, so their own extents can't be trusted yet.
        probe = self.ax.text(0, 0, text, fontsize=style.get("fontsize"))
        size = probe.get_window_extent(self.renderer)
        probe.remove()
        width, height = size.width * 1.08, size.height * 1.25
        px, py = self.ax.transData.transform((x, y))
        scale = self.fig.dpi / 72.0
        inside = self.ax.get_window_extent(self.renderer)
        chosen = None
        for dx, dy in self.OFFSETS:
            left = px + dx * scale - (0 if dx > 0 else width)
            bottom = py + dy * scale
            box = Bbox([[left, bottom], [left + width, bottom + height]])
            fits = inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1)
            if fits and not any(box.overlaps(other) for other in self.taken):
                chosen = (dx, dy, box)
                break
            if chosen is None and fits:
                chosen = (dx, dy, None)  # crowded: an overlap beats losing the name
        if chosen is None:
            return
        dx, dy, box = chosen
        self.ax.annotate(
            text,
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha="left" if dx > 0 else "right",
            va="bottom",
            arrowprops=self.LEADER,
            **style,
        )
        if box is not None:
            self.taken.append(box)


def portfolio_chart(
    rows: Sequence[Mapping[str, Any]],
    path: Path | str,
    lang: str = "en",
    *,
    threshold: float | None = None,
    as_of: dt.date | None = None,
    window_months: int = 12,
    label_top: int = 8,
) -> Path:
    """Contribution × stability scatter with quadrants, prospects and this quarter's moves.

    `rows` are per-account dicts (see `PortfolioAnalysis.chart_rows`): segment,
    kind, name, revenue, stability_score, expected_revenue, intent, and for
    movement previous_segment, previous_revenue, previous_stability.
    """
    check_lang(lang)
    path = Path(path)
    existing = [r for r in rows if r.get("kind") == "existing" and (r.get("revenue") or 0) > 0]
    prospects = [r for r in rows if r.get("kind") == "prospect"]
    if threshold is None:
        highs = [r["revenue"] for r in existing if r.get("high_contribution")]
        threshold = min(highs) if highs else None

    fig = _figure(13.5)
    grid = fig.add_gridspec(
        2,
        2,
        height_ratios=[2.3, 1.0],
        width_ratios=[1.35, 1.0],
        hspace=0.28,
        wspace=0.28,
        left=0.09,
        right=0.97,
        top=0.915,
        bottom=0.06,
    )
    ax = fig.add_subplot(grid[0, :])
    _matrix(fig, ax, existing, threshold, lang, window_months, label_top)
    _prospect_panel(fig, fig.add_subplot(grid[1, 0]), prospects, threshold, lang)
    _summary_panel(fig.add_subplot(grid[1, 1]), rows, lang)
    title = ACCOUNTS.say("chart.portfolio_title", lang, as_of=as_of or "")
    fig.suptitle(title, fontsize=23, y=0.99)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path


def _figure(height_in: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _money_axis(axis: Axis, lang: str) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: money(v, lang)))


def _matrix(
    fig: Figure,
    ax: Axes,
    rows: list[Mapping[str, Any]],
    threshold: float | None,
    lang: str,
    window_months: int,
    label_top: int,
) -> None:
    ax.set_xscale("log")
    revenues = [r["revenue"] for r in rows] or [1.0, 10.0]
    lo, hi = min(revenues) / 1.8, max(revenues) * 1.8
    # Scores run 0 to ~1.4; the bands above 1.6 and below 0 hold the quadrant names,
    # so no name ever sits on a point.
    y_top, y_bottom = 1.85, -0.28
    ax.set_xlim(lo, hi)
    ax.set_ylim(y_bottom, y_top)
    cut = threshold if threshold else math.sqrt(lo * hi)
    for seg, (x0, x1, y0, y1) in {
        "EI": (cut, hi, 1.0, y_top),
        "EII": (cut, hi, y_bottom, 1.0),
        "EIII": (lo, cut, 1.0, y_top),
        "EIV": (lo, cut, y_bottom, 1.0),
    }.items():
        ax.fill_between([x0, x1], y0, y1, color=QUADRANT_TINT[seg], zorder=0)
        right = x0 == cut
        top = y0 == 1.0
        ax.text(
            x1 / 1.08 if right else x0 * 1.08,
            y1 - 0.05 if top else y0 + 0.05,
            f"{seg} · {label(f'segment.{seg}.short', lang)}",
            ha="right" if right else "left",
            va="top" if top else "bottom",
            fontsize=21,
            color=COLORS[seg],
            zorder=1,
        )
    ax.set_yticks([0.0, 0.5, 1.0, 1.5])
    ax.axvline(cut, color="#444444", lw=1.4, ls="--", zorder=1)
    ax.axhline(1.0, color="#444444", lw=1.4, ls="--", zorder=1)
    ax.set_xlabel(ACCOUNTS.say("chart.x_axis", lang, months=window_months), fontsize=16)
    ax.set_ylabel(ACCOUNTS.say("chart.y_axis", lang), fontsize=16)
    _money_axis(ax.xaxis, lang)
    ax.tick_params(labelsize=15)
    ax.grid(True, which="major", alpha=0.25)

    def clip(value: float | None) -> float:
        return min(max(value or 0.0, 0.0), 1.5)

    for seg in ("EIV", "EIII", "EII", "EI"):
        members = [r for r in rows if r["segment"] == seg]
        ax.scatter(
            [r["revenue"] for r in members],
            [clip(r.get("stability_score")) for r in members],
            s=70,
            color=COLORS[seg],
            edgecolor="white",
            linewidth=0.6,
            zorder=3,
            alpha=0.9,
        )
    moved = [
        r
        for r in rows
        if r.get("previous_segment") not in (None, r["segment"])
        and (r.get("previous_revenue") or 0) > 0
    ]
    alarms = [r for r in moved if r.get("alarm")]
    # Only the alarms get arrows (from where they stood a quarter ago); a ring
    # marks every other move, which keeps the picture readable.
    for r in alarms:
        x0 = min(max(r["previous_revenue"], lo), hi)
        ax.annotate(
            "",
            xy=(r["revenue"], clip(r.get("stability_score"))),
            xytext=(x0, clip(r.get("previous_stability"))),
            arrowprops={"arrowstyle": "-|>", "color": ALARM, "lw": 2.4, "shrinkA": 0, "shrinkB": 6},
            zorder=4,
        )
    others = [r for r in moved if not r.get("alarm")]
    ax.scatter(
        [r["revenue"] for r in others],
        [clip(r.get("stability_score")) for r in others],
        s=170,
        facecolor="none",
        edgecolor="#555555",
        linewidth=1.2,
        zorder=4,
        label=ACCOUNTS.say("chart.moved", lang),
    )
    ax.scatter(
        [r["revenue"] for r in alarms],
        [clip(r.get("stability_score")) for r in alarms],
        s=220,
        facecolor="none",
        edgecolor=ALARM,
        linewidth=2.2,
        zorder=4,
        label=ACCOUNTS.say("chart.alarm", lang),
    )
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        frameon=False,
        fontsize=14,
        ncol=2,
        handletextpad=0.3,
        columnspacing=1.2,
        borderaxespad=0.2,
    )
    fig.canvas.draw()
    labeller = _Labeller(fig, ax)
    for text in ax.texts:
        labeller.block(text.get_window_extent(labeller.renderer))
    top = sorted(rows, key=lambda r: -r["revenue"])[:label_top]
    chosen = {r["account_id"]: r for r in [*alarms, *top]}
    for r in chosen.values():
        name = _short(r["name"])
        if r.get("alarm"):
            name = f"{name}  {r['previous_segment']}→{r['segment']}"
        labeller.place(
            r["revenue"],
            clip(r.get("stability_score")),
            name,
            fontsize=14,
            color=ALARM if r.get("alarm") else "#222222",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            zorder=6,
        )


def _prospect_panel(
    fig: Figure, ax: Axes, rows: list[Mapping[str, Any]], threshold: float | None, lang: str
) -> None:
    ax.set_title(ACCOUNTS.say("chart.prospects", lang), fontsize=16, loc="left")
    points = [
        (r, float(r["expected_revenue"]), _intent_score(r.get("intent")))
        for r in rows
        if r.get("expected_revenue")
    ]
    points = [(r, x, y if y is not None else 0.0) for r, x, y in points]
    ax.set_xscale("log")
    xs = [x for _, x, _ in points] or [1e4, 1e6]
    lo, hi = min(xs + ([threshold] if threshold else [])) / 2, max(xs) * 2
    ax.set_xlim(lo, hi)
    if threshold:
        ax.axvline(threshold, color="#444444", lw=1.2, ls="--")
    ax.axhline(0.5, color="#444444", lw=1.2, ls="--")
    for seg in ("PIV", "PIII", "PII", "PI"):
        members = [(x, y) for r, x, y in points if r["segment"] == seg]
        ax.scatter(
            [x for x, _ in members],
            [y for _, y in members],
            s=60,
            color=COLORS[seg],
            edgecolor="white",
            linewidth=0.5,
            label=seg,
            zorder=3,
        )
    for seg, (x, y, ha, va) in {
        "PI": (hi / 1.1, 1.03, "right", "top"),
        "PII": (hi / 1.1, -0.03, "right", "bottom"),
        "PIII": (lo * 1.1, 1.03, "left", "top"),
        "PIV": (lo * 1.1, -0.03, "left", "bottom"),
    }.items():
        ax.text(x, y, seg, ha=ha, va=va, fontsize=15, color=COLORS[seg], zorder=2)
    ax.set_ylim(-0.12, 1.12)
    ax.set_xlabel(ACCOUNTS.say("chart.expected_axis", lang), fontsize=13)
    ax.set_ylabel(ACCOUNTS.say("chart.intent_axis", lang), fontsize=13)
    ax.tick_params(labelsize=12)
    _money_axis(ax.xaxis, lang)
    fig.canvas.draw()
    labeller = _Labeller(fig, ax)
    best = sorted((p for p in points if p[0]["segment"] == "PI"), key=lambda p: -p[1])[:3]
    for r, x, y in best:
        labeller.place(x, y, _short(r["name"], 16), fontsize=12, zorder=5)


def _summary_panel(ax: Axes, rows: Sequence[Mapping[str, Any]], lang: str) -> None:
    order = ("EI", "EII", "EIII", "EIV", "PI", "PII", "PIII", "PIV", "F")
    counts = [sum(1 for r in rows if r.get("segment") == s) for s in order]
    bars = ax.barh(range(len(order)), counts, color=[COLORS[s] for s in order])
    ax.set_yticks(range(len(order)), order, fontsize=14)
    ax.invert_yaxis()
    ax.tick_params(axis="x", labelsize=12)
    for bar, n in zip(bars, counts, strict=True):
        ax.text(
            bar.get_width() + max(counts) * 0.02,
            bar.get_y() + bar.get_height() / 2,
            str(n),
            va="center",
            fontsize=13,
        )
    ax.set_xlim(0, max([*counts, 1]) * 1.25)
    ax.set_title(ACCOUNTS.say("chart.accounts", lang, n=len(rows)), fontsize=16, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def revenue_chart(
    monthly: Iterable[tuple[dt.date, float]],
    path: Path | str,
    lang: str = "en",
    title: str = "",
) -> Path:
    """Monthly revenue bars of the last 12 months beside the same months a year earlier.

    `monthly` is (month start, revenue) oldest first, as `monthly_revenue` returns;
    with fewer than 13 months there is simply no year-earlier bar.
    """
    check_lang(lang)
    path = Path(path)
    series = list(monthly)
    recent = series[-12:]
    earlier = dict(series[:-12])
    fig = _figure(6.2)
    ax = fig.add_subplot()
    xs = range(len(recent))
    year_ago = [earlier.get(d.replace(year=d.year - 1), 0.0) for d, _ in recent]
    ax.bar(
        [x - 0.2 for x in xs],
        year_ago,
        width=0.4,
        color="#c7c7c7",
        label=ACCOUNTS.say("chart.year_ago", lang),
    )
    ax.bar(
        [x + 0.2 for x in xs],
        [v for _, v in recent],
        width=0.4,
        color="#2166ac",
        label=ACCOUNTS.say("chart.this_year", lang),
    )
    ax.set_xticks(
        list(xs), [_month_label(d, lang, i == 0) for i, (d, _) in enumerate(recent)], fontsize=13
    )
    _money_axis(ax.yaxis, lang)
    ax.tick_params(axis="y", labelsize=15)
    ax.set_ylabel(ACCOUNTS.say("chart.revenue_axis", lang), fontsize=16)
    # Headroom above the tallest bar so the legend never covers a bar.
    tallest = max([*year_ago, *(v for _, v in recent), 0.0])
    ax.set_ylim(0, tallest * 1.3 if tallest > 0 else 1.0)
    ax.legend(frameon=False, fontsize=14, loc="upper left", ncol=2)
    ax.grid(True, axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontsize=21, loc="left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path


def _month_label(day: dt.date, lang: str, first: bool) -> str:
    with_year = first or day.month == 1
    if lang == "en":
        text = MONTH_NAMES[day.month - 1]
        return f"{text}\n{day.year}" if with_year else text
    text = f"{day.month}월" if lang == "ko" else f"{day.month}月"
    return f"{text}\n{day.year}" if with_year else text
