"""ISO weeks as plain integers, in each account's own time zone.

A week is numbered by its Monday: `(monday.toordinal() - 1) // 7` (day 1 of year 1
was a Monday), so "four weeks earlier" is `week - 4` and windows are ranges.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


def week_of(day: date) -> int:
    return (day.toordinal() - 1) // 7


def monday(week: int) -> date:
    return date.fromordinal(week * 7 + 1)


def label(week: int) -> str:
    """The ISO week as people and dedupe keys write it: 2026-W48."""
    year, number, _ = monday(week).isocalendar()
    return f"{year}-W{number:02d}"


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_week(instant: datetime, timezone: str) -> int:
    """The ISO week an instant falls in, on the wall clocks of `timezone`."""
    return week_of(instant.astimezone(zone(timezone)).date())


@lru_cache(maxsize=65536)
def week_end(week: int, timezone: str) -> datetime:
    """The instant the week ends (next Monday 00:00 local), in UTC."""
    start = datetime.combine(monday(week + 1), time(0), tzinfo=zone(timezone))
    return start.astimezone(UTC)


def week_start(week: int, timezone: str) -> datetime:
    return week_end(week - 1, timezone)


def as_of(week: int, timezone: str, now: datetime) -> datetime:
    """Where a week's figures are read: its end, or now for the week in progress."""
    return min(week_end(week, timezone), now)


def local_at(week: int, weekday: int, clock: time, timezone: str) -> datetime:
    """The UTC instant of a local weekday and time in a week (DST handled by zoneinfo)."""
    day = monday(week) + timedelta(days=weekday)
    return datetime.combine(day, clock, tzinfo=zone(timezone)).astimezone(UTC)
