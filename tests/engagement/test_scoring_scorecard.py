"""Scorecard maths: statuses at their edges, weights, re-normalisation, rounding, trends."""

from __future__ import annotations

from fractions import Fraction

import pytest

from engagement.scoring.scorecard import (
    Status,
    Thresholds,
    Trend,
    format_value,
    overall,
    round_half_up,
    status_of,
    trend,
)

HIGHER = Thresholds(target=95, red_below=90)
LOWER = Thresholds(target=24, red_above=72)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (96, Status.GREEN),
        (95, Status.GREEN),  # exactly at target
        (94.99, Status.AMBER),
        (90, Status.AMBER),  # exactly at red_below: not below it
        (89.99, Status.RED),
    ],
)
def test_higher_is_better_edges(value: float, expected: Status) -> None:
    assert status_of(value, HIGHER) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, Status.GREEN),
        (24, Status.GREEN),  # exactly at target
        (24.5, Status.AMBER),
        (72, Status.AMBER),  # exactly at red_above: not above it
        (72.01, Status.RED),
    ],
)
def test_lower_is_better_edges(value: float, expected: Status) -> None:
    assert status_of(value, LOWER) is expected


def test_table_1_statuses_give_83() -> None:
    weights = [30, 20, 15, 15, 10, 10]
    statuses = [Status.GREEN, Status.AMBER, Status.GREEN, Status.RED, Status.GREEN, Status.AMBER]
    result = overall(weights, statuses)
    assert result.exact == Fraction(165, 2)  # 30 + 15 + 15 + 5 + 10 + 7.5
    assert result.score == 83
    assert [float(c) for c in result.contributions if c is not None] == [30, 15, 15, 5, 10, 7.5]
    assert result.status is Status.AMBER
    assert not result.renormalised


def test_missing_data_is_left_out_and_weights_renormalised() -> None:
    result = overall([30, 20, 50], [Status.GREEN, None, Status.RED])
    # 30 * 1 + 50 * 1/3 = 46 2/3 out of 80 → 58.33…
    assert result.exact == Fraction(100, 80) * (30 + Fraction(50, 3))
    assert result.score == 58
    assert result.renormalised
    assert result.contributions[1] is None


def test_no_data_at_all_has_no_score() -> None:
    result = overall([30, 20], [None, None])
    assert (result.score, result.status) == (None, None)


def test_weights_not_summing_to_100_are_scaled() -> None:
    assert overall([25, 25], [Status.GREEN, Status.AMBER]).score == 88  # 87.5 half up


@pytest.mark.parametrize(
    ("exact", "rounded"),
    [(Fraction(165, 2), 83), (Fraction(329, 4), 82), (Fraction(331, 4), 83), (Fraction(1, 2), 1)],
)
def test_half_up(exact: Fraction, rounded: int) -> None:
    assert round_half_up(exact) == rounded


def test_decimal_weights_are_exact() -> None:
    # 0.1 + 0.2 weights: binary floats would give 0.30000000000000004 of the total
    result = overall([0.1, 0.2, 0.7], [Status.GREEN, Status.GREEN, Status.AMBER])
    assert result.exact == Fraction(30) + Fraction(525, 10)  # 30 + 52.5
    assert result.score == 83


@pytest.mark.parametrize(
    ("score", "status"),
    [([Status.GREEN] * 2, Status.GREEN), ([Status.AMBER] * 2, Status.AMBER),
     ([Status.RED] * 2, Status.RED), ([Status.GREEN, Status.AMBER], Status.GREEN),
     ([Status.AMBER, Status.RED], Status.AMBER), ([Status.GREEN, Status.RED], Status.AMBER)],
)  # fmt: skip
def test_overall_status_is_the_nearest_level(score: list[Status], status: Status) -> None:
    assert overall([50, 50], score).status is status


def test_trend_arrows() -> None:
    assert trend(4.2, 4.0) is Trend.UP
    assert trend(3.8, 4.0) is Trend.DOWN
    assert trend(4.04, 4.0) is Trend.FLAT  # the same at one decimal
    assert trend(None, 4.0) is Trend.NEW
    assert trend(4.0, None) is Trend.NEW
    # lower is better: more hours to acknowledge is worse
    assert trend(30, 20, lower_is_better=True) is Trend.DOWN
    assert trend(10, 20, lower_is_better=True) is Trend.UP


def test_values_read_as_people_write_them() -> None:
    assert format_value(6.2, "%") == "6.2%"
    assert format_value(99.95, "%") == "99.95%"
    assert format_value(1.8, "$M") == "1.8 $M"
    assert format_value(4.0) == "4"
    assert format_value(3.6666) == "3.67"
    assert format_value(None, "%") == "no data"
    assert format_value(2500) == "2,500"
    assert format_value(4.5, "1-5 scale") == "4.5/5"
