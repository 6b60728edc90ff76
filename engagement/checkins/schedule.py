"""Pure date maths for check-in cadences, in each recipient's own time zone.

An occurrence is a local calendar date (the period's identity, `period_start`) and the
UTC instant of the check-in time on that date in the recipient's zone:

- weekly: every `weekday`;
- biweekly: every other `weekday`, counted in whole weeks from the Monday of the week
  the account was created (UTC date). ISO week parity was rejected: years with 53 ISO
  weeks would give two check-ins in a row;
- monthly: the first `weekday` of each month.

Local times follow PEP 495: a time that does not exist (a spring-forward gap) moves
forward by the length of the gap (02:30 becomes 03:30); an ambiguous one (the
fall-back hour) takes its first occurrence. 09:00 local stays 09:00 local across DST.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engagement.models import Cadence


@dataclass(frozen=True, order=True)
class Occurrence:
    """One planned check-in: its local date (the period) and when it is due, in UTC."""

    period_start: date
    due_at: datetime


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The IANA zone; an unknown name falls back to UTC rather than stopping planning."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of local wall time `at` on `day`, DST gaps forward, overlaps first."""
    return datetime.combine(day, at, tzinfo=tz).replace(fold=0).astimezone(UTC)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def week_anchor(created_at: datetime) -> date:
    """The Monday that biweekly cadences count from: the week the account was created."""
    day = created_at.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def is_occurrence(cadence: Cadence | str, weekday: int, anchor: date, day: date) -> bool:
    """Whether `day` (a local date) is a check-in date for this cadence."""
    if day.weekday() != weekday:
        return False
    if cadence == Cadence.WEEKLY:
        return True
    if cadence == Cadence.BIWEEKLY:
        weeks = (day - timedelta(days=day.weekday()) - anchor).days // 7
        return weeks % 2 == 0
    if cadence == Cadence.MONTHLY:
        return day.day <= 7
    raise ValueError(f"unknown cadence {cadence!r}")


def occurrences(
    *,
    cadence: Cadence | str,
    weekday: int,
    at: time,
    tz: ZoneInfo,
    anchor: date,
    start: datetime,
    end: datetime,
) -> list[Occurrence]:
    """Every occurrence due in `[start, end)`, earliest first."""
    first = local_date(start, tz) - timedelta(days=1)
    last = local_date(end, tz) + timedelta(days=1)
    found = []
    day = first
    while day <= last:
        if is_occurrence(cadence, weekday, anchor, day):
            due = to_utc(day, at, tz)
            if start <= due < end:
                found.append(Occurrence(day, due))
        day += timedelta(days=1)
    return found


def next_day_same_time(now: datetime, at: time, tz: ZoneInfo) -> datetime:
    """Tomorrow (in the recipient's zone) at local time `at`, in UTC."""
    return to_utc(local_date(now, tz) + timedelta(days=1), at, tz)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where local `day` starts and ends (23 or 25 hours on DST days)."""
    return to_utc(day, time(0), tz), to_utc(day + timedelta(days=1), time(0), tz)
