"""Inline SVG charts (matplotlib, no pyplot state, no files).

``svg.fonttype = 'none'`` keeps text as <text> elements, so the browser draws labels with its own
fonts and Chinese renders when a CJK font is installed (glyph paths would need the font at build
time). The family list tries the usual CJK fonts on Linux, macOS and Windows before DejaVu Sans.
``svg.hashsalt`` and an empty Date make the output byte-identical between runs.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # before any figure: never pick an interactive backend on a server
import numpy as np
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei",
             "PingFang SC", "Hiragino Sans GB", "SimHei", "DejaVu Sans"]
RC: dict[RcKeyType, Any] = {"svg.fonttype": "none", "svg.hashsalt": "mention-monitor", "font.family": "sans-serif",
      "font.sans-serif": CJK_FONTS, "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}


def _rc(chart: str) -> dict[RcKeyType, Any]:
    # One salt per chart: clip-path ids derive from it, and several SVGs share one HTML document.
    return {**RC, "svg.hashsalt": f"mention-monitor-{chart}"}


WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_XMLNS = re.compile(r'\s+xmlns(:xlink)?="[^"]*"')


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    FigureCanvasSVG(fig).print_svg(buf, metadata={"Date": None})
    # Inlined into an HTML5 page: drop the XML declaration, DOCTYPE, RDF metadata and namespace
    # declarations (the HTML parser supplies them), so the page holds no URL it did not need.
    out = _PROLOGUE.sub("", buf.getvalue(), count=1)
    out = _METADATA.sub("", out, count=1)
    return _XMLNS.sub("", out, count=2)


PEAK_RED, BAR_GREY, LINE_BLUE = "#c0392b", "#7f8c8d", "#2471a3"


def _count_axis(ax: Any, values: Sequence[float]) -> None:
    """Whole-number ticks from 0 for counts; an all-zero series still gets a 0..1 axis, never negative."""
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.set_ylim(0, max(1.0, float(np.nanmax(values)) * 1.1 if len(values) else 1.0))


def _margins(fig: Figure, size: tuple[float, float], right_axis: bool) -> None:
    """Fixed margins in inches (tight_layout measures every text and was a third of the chart time):
    room for tick labels and axis titles, and the top strip for the legend."""
    w, h = size
    fig.subplots_adjust(left=0.6 / w, right=1 - (0.6 if right_axis else 0.15) / w, bottom=0.45 / h,
                        top=1 - (0.45 if w >= 6 else 0.75) / h)


def trend_chart(days: Sequence[dt.date], complaints: Sequence[int], medians_h: Sequence[float | None],
                peak_days: set[dt.date], not_reached: Sequence[bool] = (), *, size: tuple[float, float] = (8, 2.8),
                salt: str = "trend") -> str:
    """Complaints per day (bars, peak days in red) and KM median hours to first reply (line).

    A day whose median was not reached (more than half still waiting) is a triangle at the top of
    the line's axis, labelled in the legend, instead of a gap. Only days the store has data for are
    drawn (the caller trims leading days before coverage).
    """
    with matplotlib.rc_context(_rc(salt)):
        fig = Figure(figsize=size)
        ax = fig.add_subplot()
        x = np.arange(len(days))
        colors = [PEAK_RED if d in peak_days else BAR_GREY for d in days]
        ax.bar(x, complaints, color=colors)
        _count_axis(ax, complaints)
        ax.set_ylabel("complaints / day")
        step = max(1, -(-len(days) // (10 if size[0] >= 6 else 5)))
        ax.set_xticks(x[::step], [d.strftime("%m-%d") for d in days][::step])
        ax2 = ax.twinx()
        med = np.array([np.nan if m is None else m for m in medians_h], dtype=float)
        top = max(1.0, float(np.nanmax(med)) * 1.15) if np.isfinite(med).any() else 24.0
        ax2.plot(x, med, color=LINE_BLUE, marker="o", ms=3)
        nr = np.flatnonzero(np.asarray(not_reached, dtype=bool)) if len(not_reached) else np.empty(0, dtype=int)
        if nr.size:
            ax2.plot(nr, np.full(nr.size, top * 0.97), ls="", marker="^", ms=6, color="#8e44ad", clip_on=False)
        ax2.set_ylim(0, top)
        ax2.set_ylabel("median hours to first reply")
        ax2.spines["right"].set_visible(True)
        handles = [Patch(color=BAR_GREY, label="complaints"), Patch(color=PEAK_RED, label="peak day"),
                   Line2D([], [], color=LINE_BLUE, marker="o", ms=3, label="median hours to reply"),
                   Line2D([], [], ls="", marker="^", color="#8e44ad", label="median not reached")]
        fig.legend(handles=handles, loc="upper center", frameon=False, ncols=4 if size[0] >= 6 else 2)
        _margins(fig, size, right_axis=True)
        return _svg(fig)


def heatmap_chart(matrix: np.ndarray) -> str:
    """Complaints per local weekday (rows, Mon first) x hour (columns)."""
    with matplotlib.rc_context(_rc("heatmap")):
        fig = Figure(figsize=(8, 2.6))
        ax = fig.add_subplot()
        im = ax.imshow(matrix, aspect="auto", cmap="Reds", interpolation="nearest", vmin=0,
                       vmax=max(1.0, float(matrix.max())))
        ax.set_yticks(range(7), WEEKDAYS)
        ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
        ax.set_xlabel("local hour")
        fig.colorbar(im, ax=ax, label="complaints", ticks=MaxNLocator(integer=True, nbins=5))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.18, top=0.95)
        return _svg(fig)


def volume_chart(hours: Sequence[dt.datetime], counts: Sequence[int], baseline: Sequence[float],
                 peaks: Sequence[tuple[dt.datetime, dt.datetime]],
                 windows: Sequence[tuple[dt.datetime, dt.datetime]], *, size: tuple[float, float] = (8, 2.8),
                 salt: str = "volume") -> str:
    """Complaints per local hour of the day with the seasonal baseline; peaks red, maintenance blue.
    The legend sits above the plot so it never hides a bar."""
    wide = size[0] >= 6
    with matplotlib.rc_context(_rc(salt)):
        fig = Figure(figsize=size)
        ax = fig.add_subplot()
        pos = {h: i for i, h in enumerate(hours)}
        x = np.arange(len(hours))
        ax.bar(x, counts, color="#7f8c8d", label="complaints")
        ax.plot(x, np.asarray(baseline, dtype=float), color="#2471a3", drawstyle="steps-mid", label="baseline")

        def span(s: dt.datetime, e: dt.datetime) -> tuple[float, float]:
            lo = min((i for h, i in pos.items() if h >= s), default=len(hours))
            hi = max((i for h, i in pos.items() if h < e), default=-1)
            return lo - 0.5, hi + 0.5

        for i, (s, e) in enumerate(windows):
            ax.axvspan(*span(s, e), color="#3498db", alpha=0.15, label="maintenance" if i == 0 else None)
        for i, (s, e) in enumerate(peaks):
            ax.axvspan(*span(s, e), color="#e74c3c", alpha=0.2, label="peak" if i == 0 else None)
        ax.set_xlim(-0.5, len(hours) - 0.5)
        step = 2 if wide else 4
        ax.set_xticks(x[::step], [h.strftime("%H") for h in hours][::step])
        ax.set_xlabel("local hour")
        ax.set_ylabel("complaints")
        _count_axis(ax, [*counts, *[b for b in baseline if b == b]])
        fig.legend(*ax.get_legend_handles_labels(), loc="upper center", frameon=False, ncols=4 if wide else 2)
        _margins(fig, size, right_axis=False)
        return _svg(fig)
