"""Waiting time counted in the support desk's opening hours (holidays closed).

A complaint posted on Friday at 23:00 and answered on Monday at 09:30 waited 58.5 hours by the clock
but half an hour of the desk's time; support desks report both. We build the desk's open intervals
for every local date in range with zoneinfo (so a DST change moves the UTC interval, not the local
opening hours), then count business seconds between two instants as B(end) - B(start), where B is
the cumulative open time since the first interval. Everything is vectorised over numpy arrays of
epoch seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from monitor.config import BusinessHours

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _parse_span(span: str) -> tuple[dt.time, dt.time | None]:
    start, end = span.split("-")
    h, m = (int(x) for x in start.split(":"))
    eh, em = (int(x) for x in end.split(":"))
    return dt.time(h, m), (None if eh == 24 else dt.time(eh, em))  # 24:00 = next midnight


@dataclass(frozen=True, slots=True)
class OpenIntervals:
    """Open intervals in epoch seconds, sorted and disjoint, with cumulative open time before each."""

    opens: npt.NDArray[np.float64]
    closes: npt.NDArray[np.float64]
    cumulative: npt.NDArray[np.float64]

    def clock(self, t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """B(t): open seconds from the first interval up to each ``t``."""
        if self.opens.size == 0:
            return np.zeros_like(t, dtype=np.float64)
        k = np.searchsorted(self.opens, t, side="right") - 1
        kk = np.clip(k, 0, None)
        inside = np.clip(t - self.opens[kk], 0.0, self.closes[kk] - self.opens[kk])
        return np.where(k < 0, 0.0, self.cumulative[kk] + inside)


def open_intervals(bh: BusinessHours, default_tz: str, first: dt.date, last: dt.date) -> OpenIntervals:
    """The desk's open intervals for local dates ``first``..``last`` inclusive."""
    tz = ZoneInfo(bh.timezone or default_tz)
    holidays = set(bh.holidays)
    spans = {i: _parse_span(bh.hours[d]) for i, d in enumerate(_WEEKDAYS) if d in bh.hours}
    opens, closes = [], []
    day = first
    while day <= last:
        span = spans.get(day.weekday())
        if span and day not in holidays:
            o = dt.datetime.combine(day, span[0], tzinfo=tz)
            c = (dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz) if span[1] is None
                 else dt.datetime.combine(day, span[1], tzinfo=tz))
            opens.append(o.timestamp())
            closes.append(c.timestamp())
        day += dt.timedelta(days=1)
    o_arr, c_arr = np.array(opens, dtype=np.float64), np.array(closes, dtype=np.float64)
    cum = np.concatenate([[0.0], np.cumsum(c_arr - o_arr)[:-1]]) if o_arr.size else o_arr
    return OpenIntervals(o_arr, c_arr, cum)


def business_seconds(intervals: OpenIntervals, start: npt.ArrayLike, end: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Open seconds between each ``start`` and ``end`` (epoch seconds; 0 when end <= start)."""
    s = np.asarray(start, dtype=np.float64)
    e = np.asarray(end, dtype=np.float64)
    return np.maximum(intervals.clock(e) - intervals.clock(s), 0.0)
