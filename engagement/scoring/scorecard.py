"""Scorecard maths, with no database: statuses, weighted scores, trend arrows.

Table 1 of the source article on sponsor scorecards is the reference (README.md,
"Scorecards"): green earns the full weight, amber 3/4, red 1/3, and the overall score is
the sum rounded half up (82.5 → 83). Exact fractions are used until the final rounding so
no binary float ever decides a half.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

SCALE = re.compile(r"^\s*\d+(?:\.\d+)?\s*[-–]\s*(\d+(?:\.\d+)?)")
"""A unit such as "1-5 scale": values are shown as 4/5."""


class Status(enum.StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class Trend(enum.StrEnum):
    """Better, worse or the same as four weeks earlier; NEW when there is nothing to compare."""

    UP = "▲"
    DOWN = "▼"
    FLAT = "▬"
    NEW = ""


FACTOR: dict[Status, Fraction] = {
    Status.GREEN: Fraction(1),
    Status.AMBER: Fraction(3, 4),
    Status.RED: Fraction(1, 3),
}
"""Share of a KPI's weight that each status earns."""

GREEN_FROM = (FACTOR[Status.GREEN] + FACTOR[Status.AMBER]) * 50  # 87.5
RED_BELOW = (FACTOR[Status.AMBER] + FACTOR[Status.RED]) * 50  # 54 1/6
"""The overall status is the status whose level (100, 75, 33⅓) the score is nearest to."""


@dataclass(frozen=True)
class Thresholds:
    """A KPI's target and its one red threshold (`red_above` marks a lower-is-better KPI)."""

    target: float
    red_below: float | None = None
    red_above: float | None = None

    @property
    def lower_is_better(self) -> bool:
        return self.red_above is not None


def status_of(value: float, kpi: Thresholds) -> Status:
    """Green at or better than target; red strictly beyond the red threshold; amber between."""
    if kpi.red_above is not None:
        if value <= kpi.target:
            return Status.GREEN
        return Status.RED if value > kpi.red_above else Status.AMBER
    if value >= kpi.target:
        return Status.GREEN
    red_below = kpi.red_below if kpi.red_below is not None else kpi.target
    return Status.RED if value < red_below else Status.AMBER


def round_half_up(value: Fraction) -> int:
    """Round an exact fraction half up (82.5 → 83), via `decimal` as accountants do."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def as_fraction(number: float) -> Fraction:
    """The decimal the user wrote (30, 2.5), not the nearest binary float."""
    return Fraction(repr(float(number)))


@dataclass(frozen=True)
class Score:
    """The overall result of one scorecard."""

    score: int | None
    status: Status | None
    exact: Fraction | None
    renormalised: bool
    """True when KPIs without data were left out and the other weights scaled up."""
    contributions: tuple[Fraction | None, ...]
    """Each KPI's weighted score on the 100-point scale (None: no data)."""


def overall_status(score: Fraction) -> Status:
    if score >= GREEN_FROM:
        return Status.GREEN
    return Status.RED if score < RED_BELOW else Status.AMBER


def overall(weights: Sequence[float], statuses: Sequence[Status | None]) -> Score:
    """Weighted score of KPIs with data, re-normalised to 100 when weights are left out."""
    if type(weights) is not tuple:
        weights = tuple(weights)
    if type(statuses) is not tuple:
        statuses = tuple(statuses)
    return _overall(weights, statuses)


TWELFTHS = {Status.GREEN: 12, Status.AMBER: 9, Status.RED: 4}
"""FACTOR in twelfths, so that sums stay in integers."""


@lru_cache(maxsize=256)
def _integer_weights(weights: tuple[float, ...]) -> tuple[int, ...]:
    """The weights as written, scaled by a common denominator to integers."""
    exact = [as_fraction(weight) for weight in weights]
    scale = math.lcm(*(weight.denominator for weight in exact)) if exact else 1
    return tuple(int(weight * scale) for weight in exact)


@lru_cache(maxsize=65536)
def _overall(weights: tuple[float, ...], statuses: tuple[Status | None, ...]) -> Score:
    integers = _integer_weights(weights)
    points = [
        None if status is None else weight * TWELFTHS[status]
        for weight, status in zip(integers, statuses, strict=True)
    ]
    present = sum(w for w, status in zip(integers, statuses, strict=True) if status is not None)
    if not present:
        return Score(None, None, None, False, tuple(None for _ in statuses))
    denominator = 12 * present
    score = Fraction(100 * sum(p for p in points if p is not None), denominator)
    return Score(
        score=round_half_up(score),
        status=overall_status(score),
        exact=score,
        renormalised=present != sum(integers),
        contributions=tuple(None if p is None else Fraction(100 * p, denominator) for p in points),
    )


def trend(now: float | None, before: float | None, *, lower_is_better: bool = False) -> Trend:
    """▲ better, ▼ worse, ▬ the same at one decimal, or NEW with nothing to compare."""
    if now is None or before is None:
        return Trend.NEW
    delta = round(now, 1) - round(before, 1)
    if abs(delta) < 1e-9:
        return Trend.FLAT
    better = delta < 0 if lower_is_better else delta > 0
    return Trend.UP if better else Trend.DOWN


def format_value(value: float | None, unit: str = "") -> str:
    """A number as people write it (6.2%, 1.8 $M, 3.67, 24 h); "no data" when missing."""
    if value is None:
        return "no data"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    if not unit:
        return text
    if unit == "%":
        return f"{text}%"
    if scale := SCALE.match(unit):
        return f"{text}/{scale[1]}"
    return f"{text} {unit}"
