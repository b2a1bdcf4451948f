"""Spike detection on complaint counts, and what overlapped each spike.

Method (documented choice): a *seasonal* robust baseline. For bin i with period p (7 for daily
counts) the baseline is the median of the same phase in the previous ``seasons`` periods (i-p,
i-2p, ...), and the spread is 1.4826 x their median absolute deviation. Hourly counts use the same
local hour on the same weekday of previous weeks (:func:`history_flags` with indices from
reports.build.local_lags): a fixed 168-hour lag drifts by an hour across a DST change.
Complaint counts are sparse: at 03:00 the last four Mondays are often 0, 0, 0, 0, whose MAD is 0
and would make a single complaint "infinitely" unusual. So the spread has a floor of
sqrt(max(baseline, 1)), the Poisson standard deviation, and a bin needs at least ``min_count``
complaints to be a peak at all. Comparing like with like (Monday with Mondays) is what keeps a weekly
rhythm from looking like a spike every weekend.

The plain rule Huginn's PeakDetectorAgent uses (value > mean + 3 sigma of a trailing window) is kept
as :func:`mean_sigma_flags` for comparison: one spike inflates sigma for a whole window and hides
the next one, and a busy weekday rhythm hides a spike on a quiet day (tests/test_peaks.py shows both).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

_MAD_TO_SIGMA = 1.4826  # MAD of a normal distribution x 1.4826 = its standard deviation


@dataclass(frozen=True, slots=True)
class Flags:
    baseline: npt.NDArray[np.float64]  # NaN where history is too short
    threshold: npt.NDArray[np.float64]
    flagged: npt.NDArray[np.bool_]


def lag_indices(n: int, period: int, seasons: int) -> npt.NDArray[np.int64]:
    """History of each bin as indices ``i - period, i - 2 period, ...`` (-1 before the start)."""
    idx = np.arange(n)[:, None] - period * np.arange(1, seasons + 1)[None, :]
    return np.where(idx >= 0, idx, -1)


def robust_flags(counts: npt.ArrayLike, period: int, seasons: int = 4, k: float = 3.0,
                 min_count: int = 3, min_seasons: int = 2, fallback: tuple[int, int] | None = None) -> Flags:
    """Flag bins above a seasonal median + k x max(MAD-sigma, sqrt(baseline)) baseline.

    NaN counts are unknown (before the store's first post): never flagged, never history. With
    fewer than ``min_seasons`` known seasonal values, ``fallback=(period, seasons)`` (e.g. the
    previous 7 days for hourly counts) gives a non-seasonal baseline, so a store two weeks old gets
    peaks instead of either none or every busy hour.
    """
    n = np.asarray(counts).size
    return history_flags(counts, lag_indices(n, period, seasons),
                         lag_indices(n, *fallback) if fallback else None, k, min_count, min_seasons)


def history_flags(counts: npt.ArrayLike, history: npt.NDArray[np.int64],
                  fallback: npt.NDArray[np.int64] | None = None, k: float = 3.0, min_count: int = 3,
                  min_seasons: int = 2) -> Flags:
    """:func:`robust_flags` with each bin's history given as explicit indices (-1 = none).

    Hourly counts need this: "the same local hour of the same weekday" is not a fixed number of UTC
    hours back when a DST change lies in between (see reports.build.local_lags).
    """
    c = np.asarray(counts, dtype=np.float64)
    n = c.size
    base = np.full(n, np.nan)
    thr = np.full(n, np.nan)

    def known(idx: np.ndarray) -> np.ndarray:
        h = c[idx[idx >= 0]]
        return h[~np.isnan(h)]

    for i in range(n):
        hist = known(history[i])
        if hist.size < min_seasons and fallback is not None:
            hist = known(fallback[i])
        if hist.size < min_seasons:
            continue
        med = float(np.median(hist))
        spread = max(_MAD_TO_SIGMA * float(np.median(np.abs(hist - med))), float(np.sqrt(max(med, 1.0))))
        base[i], thr[i] = med, med + k * spread
    flagged = ~np.isnan(thr) & (np.nan_to_num(c, nan=-np.inf) > np.nan_to_num(thr, nan=np.inf)) & (c >= min_count)
    return Flags(base, thr, flagged)


def zero_baseline_onsets(flags: Flags) -> Flags:
    """Keep a flagged bin whose baseline is 0 only as the onset of a run, never as its continuation.

    A baseline of 0 says "nothing was seen here before", which is weak evidence: on a store whose
    history starts late every busy day after the first would join one long peak (issue 12 saw 12 of
    14 days as one "peak" with ratio 112). The first such bin stays a peak; the bins after it need a
    baseline above 0 to extend it.
    """
    f = flags.flagged
    prev = np.concatenate([[False], f[:-1]]) if f.size else f
    return Flags(flags.baseline, flags.threshold, f & ~(prev & (flags.baseline == 0)))


def mean_sigma_flags(counts: npt.ArrayLike, window: int, k: float = 3.0) -> Flags:
    """Huginn-style rule: flag a bin above mean + k x std of the previous ``window`` bins."""
    c = np.asarray(counts, dtype=np.float64)
    base = np.full(c.size, np.nan)
    thr = np.full(c.size, np.nan)
    for i in range(window, c.size):
        hist = c[i - window : i]
        base[i] = hist.mean()
        thr[i] = base[i] + k * hist.std()
    flagged = ~np.isnan(thr) & (c > np.nan_to_num(thr, nan=np.inf))
    return Flags(base, thr, flagged)


@dataclass(slots=True)
class Peak:
    granularity: str  # "hour" | "day"
    start: dt.datetime  # aware UTC, inclusive
    end: dt.datetime  # aware UTC, exclusive
    size: int  # complaints in the peak's bins
    baseline: float  # sum of the bins' baselines
    annotations: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.size / max(self.baseline, 1.0)


def group_peaks(starts: Sequence[dt.datetime], ends: Sequence[dt.datetime], counts: npt.ArrayLike,
                flags: Flags, granularity: str) -> list[Peak]:
    """Merge runs of consecutive flagged bins into peaks."""
    c = np.asarray(counts)
    peaks: list[Peak] = []
    run: list[int] = []
    for i in [*np.nonzero(flags.flagged)[0].tolist(), None]:
        if i is not None and run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            peaks.append(Peak(granularity, starts[run[0]], ends[run[-1]], int(c[run].sum()),
                              float(np.nansum(flags.baseline[run]))))
        run = [] if i is None else [i]
    return peaks


@dataclass(frozen=True, slots=True)
class Event:
    """Something that may explain a peak: an announcement's window or a market move."""

    kind: str
    title: str
    start: dt.datetime
    end: dt.datetime
    ref: str = ""


def annotate(peaks: list[Peak], events: Sequence[Event], lead: dt.timedelta = dt.timedelta(hours=2)) -> None:
    """Attach every event overlapping a peak. ``lead`` also catches a notice posted shortly before
    the burst it caused (users complain after reading "maintenance from 14:00")."""
    for p in peaks:
        for ev in events:
            if ev.start < p.end and ev.end >= p.start - lead:
                label = f"{ev.kind}: {ev.title}"
                if label not in p.annotations:
                    p.annotations.append(label)
