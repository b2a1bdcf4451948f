"""Spike detection: injected spikes are found, a weekly rhythm is not a spike, and the comparison
with the plain mean + 3 sigma rule (Huginn's PeakDetectorAgent)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from reports.peaks import Event, Peak, annotate, group_peaks, mean_sigma_flags, robust_flags

WEEKS = 10


def weekly_series() -> np.ndarray:
    """Daily complaints: ~10 on weekdays, ~30 at weekends, a small deterministic wobble."""
    days = np.arange(WEEKS * 7)
    base = np.where(days % 7 >= 5, 30, 10)
    return (base + (days * 3) % 5 - 2).astype(float)


def test_weekly_pattern_alone_is_not_a_spike() -> None:
    assert not robust_flags(weekly_series(), period=7).flagged.any()


def test_a_non_seasonal_baseline_would_flag_every_weekend() -> None:
    # Same robust rule against the previous 4 days instead of the previous 4 same weekdays.
    flagged = np.nonzero(robust_flags(weekly_series(), period=1).flagged)[0]
    saturdays = set(range(5, WEEKS * 7, 7))
    assert saturdays <= set(flagged.tolist())  # every Saturday...
    assert all(i % 7 in (5, 6) for i in flagged)  # ...and nothing but weekend days


@pytest.mark.parametrize("spikes", [[50], [50, 53], [36, 44, 60]])
def test_injected_spikes_are_found_exactly(spikes: list[int]) -> None:
    counts = weekly_series()
    for i in spikes:
        counts[i] += 25 if i % 7 < 5 else 40
    assert np.nonzero(robust_flags(counts, period=7).flagged)[0].tolist() == spikes


def test_mean_plus_three_sigma_misses_what_the_robust_rule_finds() -> None:
    counts = weekly_series()
    spikes = [50, 53]  # two weekday spikes of +25: 35 complaints against ~10
    for i in spikes:
        counts[i] += 25
    robust = np.nonzero(robust_flags(counts, period=7).flagged)[0].tolist()
    plain = np.nonzero(mean_sigma_flags(counts, window=28).flagged)[0].tolist()
    assert robust == spikes
    # The weekend rhythm inflates sigma to ~9, so mean + 3 sigma sits near 43 and both spikes hide.
    assert not set(spikes) <= set(plain)


def test_one_spike_masks_the_next_under_mean_sigma_but_not_median_mad() -> None:
    counts = np.full(60, 5.0)
    counts[30], counts[40] = 60, 30
    plain = mean_sigma_flags(counts, window=28).flagged
    robust = robust_flags(counts, period=1, seasons=28).flagged
    assert plain[30] and not plain[40]  # sigma inflated by the first spike
    assert robust[30] and robust[40]


@pytest.mark.parametrize(("history", "today", "flagged"), [
    ([0, 0, 0, 0], 1, False),   # MAD 0: the floor keeps one complaint from being "infinite"
    ([0, 0, 0, 0], 3, False),   # 3 is not above 0 + 3 x 1
    ([0, 0, 0, 0], 4, True),
    ([0, 1, 0, 2], 2, False),
    ([20, 22, 18, 21], 30, False),  # within 20.5 + 3 x sqrt(20.5)
    ([20, 22, 18, 21], 40, True),
])
def test_sparse_counts_floor(history: list[int], today: int, flagged: bool) -> None:
    assert bool(robust_flags([*history, today], period=1).flagged[-1]) is flagged


def test_min_count_and_short_history() -> None:
    assert not robust_flags([0, 0, 0, 0, 2], period=1, min_count=3).flagged.any()
    assert np.isnan(robust_flags([0, 9], period=1).baseline).all()  # one season is not a baseline


T0 = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)


def hours(n: int) -> tuple[list[dt.datetime], list[dt.datetime]]:
    starts = [T0 + dt.timedelta(hours=i) for i in range(n)]
    return starts, [s + dt.timedelta(hours=1) for s in starts]


def test_consecutive_flagged_bins_make_one_peak() -> None:
    counts = np.array([0, 0, 0, 0, 0, 6, 9, 0, 0, 0, 0, 0, 0, 5, 0], dtype=float)
    flags = robust_flags(counts, period=1)
    starts, ends = hours(counts.size)
    peaks = group_peaks(starts, ends, counts, flags, "hour")
    assert [(p.start.hour, p.end.hour, p.size) for p in peaks] == [(5, 7, 15), (13, 14, 5)]
    assert peaks[0].ratio == pytest.approx(15 / 1)  # baseline 0 is floored at 1 for the ratio


def test_annotation_picks_up_overlapping_maintenance_only() -> None:
    peak = Peak("hour", T0 + dt.timedelta(hours=20), T0 + dt.timedelta(hours=21), 4, 0.0)
    events = [
        Event("maintenance", "wallet upgrade", T0 + dt.timedelta(hours=19), T0 + dt.timedelta(hours=21)),
        Event("maintenance", "last week", T0 - dt.timedelta(days=7), T0 - dt.timedelta(days=7, hours=-2)),
        Event("release", "v5.0 notice", notice := T0 + dt.timedelta(hours=18, minutes=30), notice),  # within lead
        Event("incident", "after the peak", T0 + dt.timedelta(hours=22), T0 + dt.timedelta(hours=23)),
    ]
    annotate([peak], events)
    assert peak.annotations == ["maintenance: wallet upgrade", "release: v5.0 notice"]


def test_unknown_history_is_not_quiet_history() -> None:
    # A store that started yesterday: the days before it are NaN, not zero, so a first busy day is
    # no "spike" against an imaginary quiet past; neither is it flagged without a baseline at all.
    counts = np.array([np.nan] * 20 + [4.0, 5.0])
    assert not robust_flags(counts, period=7).flagged.any()
    assert robust_flags(np.nan_to_num(counts), period=7).flagged[-1]  # zero-filled: a false alarm


def test_short_history_falls_back_to_the_trailing_week() -> None:
    # Ten days of history: too short for "same weekday, 4 weeks", long enough for "last 7 days".
    counts = np.array([np.nan] * 18 + [2, 1, 2, 3, 2, 1, 2, 2, 1, 2, 30.0])
    assert not robust_flags(counts, period=7).flagged.any()
    flags = robust_flags(counts, period=7, fallback=(1, 7))
    assert np.nonzero(flags.flagged)[0].tolist() == [counts.size - 1]
    assert flags.baseline[-1] == 2
