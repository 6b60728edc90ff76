"""Time in one place, so every rule that depends on "now" can be driven by a test."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The real clock, always timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Interpret naive datetimes as UTC and convert aware ones to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class MovableClock:
    """Stays where it is put (`clock.now = …`): the demo's accelerated time, and tests'."""

    def __init__(self, now: datetime) -> None:
        self.now = as_utc(now)

    def __call__(self) -> datetime:
        return self.now


class RehearsalClock:
    """Simulated time for drills: `start` at wall-clock `anchor` (Unix seconds), running
    `speed` times faster. Every process given the same three values reads the same "now",
    however often it is restarted, so a whole deployment can live through a week in minutes.
    """

    def __init__(self, start: datetime, speed: float, anchor: float) -> None:
        self.start, self.speed, self.anchor = as_utc(start), speed, anchor

    @classmethod
    def parse(cls, value: str) -> RehearsalClock:
        """`START,SPEED,ANCHOR`, e.g. `2026-11-23T00:00:00+00:00,600,1795392000`."""
        try:
            start, speed, anchor = value.split(",")
            clock = cls(datetime.fromisoformat(start.strip()), float(speed), float(anchor))
        except ValueError:
            raise ValueError(
                "must be START,SPEED,ANCHOR: an ISO-8601 instant, how many times faster "
                "than real time, and the Unix time at which the clock read START"
            ) from None
        if clock.speed <= 0:
            raise ValueError("the speed must be greater than 0")
        return clock

    def __str__(self) -> str:
        return f"{self.start.isoformat()},{self.speed:g},{self.anchor!r}"

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(time.time() - self.anchor) * self.speed)
