"""Kaplan–Meier estimate of time to first official reply, in numpy.

Why survival statistics: on the morning a report is built, many of yesterday's complaints have no
reply *yet*. Dropping them makes the team look fast (only the quick answers are counted); counting
them as "answered at report time" makes up numbers. Kaplan–Meier treats them as censored: we know
they waited at least until the report was built, and nothing more.

Conventions (the usual ones, e.g. lifelines): the curve is a right-continuous step function; at a
tie, events are taken before censorings (a post censored at t was still at risk at t); the median
is the first event time where S(t) <= 0.5 and is undefined (None) when the curve never gets there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class KMCurve:
    times: npt.NDArray[np.float64]  # distinct event times, ascending
    survival: npt.NDArray[np.floating[Any]]  # S(t) just after each event time
    n: int  # subjects
    events: int  # observed replies
    censored: int  # still waiting at observation time

    def at(self, t: float) -> float:
        """S(t): share still without a reply at time ``t`` (1.0 before the first event)."""
        i = int(np.searchsorted(self.times, t, side="right"))
        return 1.0 if i == 0 else float(self.survival[i - 1])

    def share_within(self, t: float) -> float | None:
        """Estimated share answered within ``t`` seconds (None when there is nobody to measure)."""
        return None if self.n == 0 else 1.0 - self.at(t)

    def median(self) -> float | None:
        hit = np.nonzero(self.survival <= 0.5)[0]
        return float(self.times[hit[0]]) if hit.size else None


def kaplan_meier(durations: npt.ArrayLike, observed: npt.ArrayLike) -> KMCurve:
    """Estimate S(t) from waiting times (seconds) and whether each wait ended in a reply."""
    d = np.asarray(durations, dtype=np.float64)
    e = np.asarray(observed, dtype=bool)
    if d.shape != e.shape:
        raise ValueError("durations and observed must have the same length")
    d = np.maximum(d, 0.0)  # a reply stamped a little before its post (clock skew) counts as instant
    times = np.unique(d[e])
    if times.size == 0:
        return KMCurve(times, np.empty(0), int(d.size), 0, int(d.size))
    sorted_d = np.sort(d)
    at_risk = d.size - np.searchsorted(sorted_d, times, side="left")  # d_i >= t
    ev_sorted = np.sort(d[e])
    deaths = np.searchsorted(ev_sorted, times, side="right") - np.searchsorted(ev_sorted, times, side="left")
    survival = np.cumprod(1.0 - deaths / at_risk)
    return KMCurve(times, survival, int(d.size), int(e.sum()), int(d.size - e.sum()))
