"""Time in one place, so every rule that depends on "now" can be driven by a test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The real clock, always timezone-aware UTC."""
    return datetime.now(UTC)


def fixed(at: datetime) -> Clock:
    """A clock frozen at `at` (used by `sherpa tick --at` and tests)."""
    instant = as_utc(at)
    return lambda: instant


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
