"""Kaplan–Meier against values computed by hand, with censoring."""

from __future__ import annotations

import numpy as np
import pytest

from reports.survival import kaplan_meier

# Six waits (hours); 0 = still waiting when observed (censored).
#   t=1: 6 at risk, 1 reply        S = 5/6
#   t=2: 5 at risk (the censored 2 still counts at 2), 1 reply   S = 5/6 * 4/5 = 2/3
#   t=3: 3 at risk, 1 reply        S = 2/3 * 2/3 = 4/9
#   t=5: 1 at risk, 1 reply        S = 0
DURATIONS = [1, 2, 2, 3, 4, 5]
OBSERVED = [1, 1, 0, 1, 0, 1]


@pytest.mark.parametrize(("t", "expected"), [
    (0.5, 1.0), (1, 5 / 6), (1.5, 5 / 6), (2, 2 / 3), (2.9, 2 / 3), (3, 4 / 9), (4.5, 4 / 9), (5, 0.0), (9, 0.0),
])
def test_survival_steps_match_hand_computation(t: float, expected: float) -> None:
    curve = kaplan_meier(DURATIONS, OBSERVED)
    assert curve.at(t) == pytest.approx(expected)


def test_counts_median_and_shares() -> None:
    curve = kaplan_meier(DURATIONS, OBSERVED)
    assert (curve.n, curve.events, curve.censored) == (6, 4, 2)
    assert curve.median() == 3  # first t with S(t) <= 0.5
    assert curve.share_within(4) == pytest.approx(5 / 9)
    # Dropping the unanswered posts would report a faster median (2.5): the bias KM avoids.
    assert np.median([d for d, e in zip(DURATIONS, OBSERVED, strict=True) if e]) < curve.median()


def test_without_censoring_it_is_the_empirical_distribution() -> None:
    curve = kaplan_meier([40, 10, 30, 20], [1, 1, 1, 1])
    assert curve.at(25) == pytest.approx(0.5)
    assert curve.median() == 20
    assert curve.share_within(40) == pytest.approx(1.0)


def test_all_waiting_has_no_median() -> None:
    curve = kaplan_meier([5, 7], [0, 0])
    assert curve.median() is None
    assert curve.share_within(100) == 0.0
    assert curve.censored == 2


def test_empty_and_mismatched_inputs() -> None:
    assert kaplan_meier([], []).share_within(10) is None
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [1])


def test_negative_latency_from_clock_skew_counts_as_instant() -> None:
    curve = kaplan_meier([-3, 10], [1, 1])
    assert curve.times.tolist() == [0.0, 10.0]
