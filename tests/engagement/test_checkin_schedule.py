"""Cadence maths: local times across DST in three zones, biweekly and monthly cadences."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from engagement.checkins.schedule import (
    Occurrence,
    day_bounds,
    next_day_same_time,
    occurrences,
    to_utc,
    week_anchor,
)
from engagement.models import Cadence

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
NINE = time(9, 0)
MONDAY = 0


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def weekly(tz: ZoneInfo, start: datetime, days: float, at: time = NINE) -> list[Occurrence]:
    return occurrences(
        cadence=Cadence.WEEKLY,
        weekday=MONDAY,
        at=at,
        tz=tz,
        anchor=date(2026, 1, 5),
        start=start,
        end=start + timedelta(days=days),
    )


def test_us_spring_forward_keeps_nine_local() -> None:
    # US clocks change on Sunday 8 March 2026: 09:00 EST is 14:00 UTC, 09:00 EDT is 13:00.
    found = weekly(NEW_YORK, utc(2026, 3, 1), 14)
    assert found == [
        Occurrence(date(2026, 3, 2), utc(2026, 3, 2, 14)),
        Occurrence(date(2026, 3, 9), utc(2026, 3, 9, 13)),
    ]


def test_us_fall_back_keeps_nine_local() -> None:
    found = weekly(NEW_YORK, utc(2026, 10, 26), 14)
    assert [o.due_at for o in found] == [utc(2026, 10, 26, 13), utc(2026, 11, 2, 14)]


def test_eu_weeks_on_both_sides_of_the_change() -> None:
    # EU clocks change on 29 March and 25 October 2026, a different week from the US.
    spring = weekly(BERLIN, utc(2026, 3, 23), 14)
    assert [o.due_at for o in spring] == [utc(2026, 3, 23, 8), utc(2026, 3, 30, 7)]
    autumn = weekly(BERLIN, utc(2026, 10, 19), 14)
    assert [o.due_at for o in autumn] == [utc(2026, 10, 19, 7), utc(2026, 10, 26, 8)]


def test_the_weeks_between_us_and_eu_changes() -> None:
    # 16 March 2026: New York is on summer time, Berlin is not yet.
    assert weekly(NEW_YORK, utc(2026, 3, 16), 1)[0].due_at == utc(2026, 3, 16, 13)
    assert weekly(BERLIN, utc(2026, 3, 16), 1)[0].due_at == utc(2026, 3, 16, 8)


def test_tokyo_has_no_dst_and_its_monday_starts_on_sunday_utc() -> None:
    found = weekly(TOKYO, utc(2026, 3, 1), 14)
    assert found == [
        Occurrence(date(2026, 3, 2), utc(2026, 3, 2, 0)),
        Occurrence(date(2026, 3, 9), utc(2026, 3, 9, 0)),
    ]
    sunday_evening = weekly(TOKYO, utc(2026, 3, 1, 23), 1)
    assert sunday_evening[0].period_start == date(2026, 3, 2)  # the local date, not UTC's


def test_a_time_in_the_spring_gap_moves_forward() -> None:
    # 02:30 does not exist in New York on 8 March 2026: it becomes 03:30 EDT (07:30 UTC).
    due = to_utc(date(2026, 3, 8), time(2, 30), NEW_YORK)
    assert due == utc(2026, 3, 8, 7, 30)
    assert due.astimezone(NEW_YORK).time() == time(3, 30)


def test_an_ambiguous_time_takes_the_first() -> None:
    # 01:30 happens twice in New York on 1 November 2026; the first is EDT (05:30 UTC).
    assert to_utc(date(2026, 11, 1), time(1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)
    # …and in Berlin 02:30 on 25 October 2026 (CEST, 00:30 UTC).
    assert to_utc(date(2026, 10, 25), time(2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)


def test_window_is_start_inclusive_end_exclusive() -> None:
    due = utc(2026, 11, 23, 14)
    assert weekly(NEW_YORK, due, 7)[0].due_at == due
    just_after_last_week = due - timedelta(days=7) + timedelta(minutes=1)
    assert weekly(NEW_YORK, just_after_last_week, 7 - 1 / 24 / 60) == []  # ends at `due`


@pytest.mark.parametrize(
    ("created", "first"),
    [(datetime(2026, 1, 7, tzinfo=UTC), date(2026, 12, 9)),
     (datetime(2026, 1, 14, tzinfo=UTC), date(2026, 12, 2))],
)  # fmt: skip
def test_biweekly_counts_from_the_week_the_account_was_created(
    created: datetime, first: date
) -> None:
    anchor = week_anchor(created)
    assert anchor.weekday() == MONDAY
    found = occurrences(
        cadence=Cadence.BIWEEKLY,
        weekday=2,  # Wednesday
        at=NINE,
        tz=BERLIN,
        anchor=anchor,
        start=utc(2026, 12, 1),
        end=utc(2027, 2, 1),  # across the end of 2026, a 53-ISO-week year
    )
    days = [o.period_start for o in found]
    assert all((b - a).days == 14 for a, b in itertools.pairwise(days))
    assert all((day - anchor).days // 7 % 2 == 0 for day in days)
    assert days[0] == first
    assert days[-1] >= date(2027, 1, 13)  # no two in a row across the ISO year boundary


def test_biweekly_accounts_created_a_week_apart_alternate() -> None:
    def first(created: datetime) -> date:
        return occurrences(
            cadence=Cadence.BIWEEKLY,
            weekday=MONDAY,
            at=NINE,
            tz=TOKYO,
            anchor=week_anchor(created),
            start=utc(2026, 11, 20),
            end=utc(2026, 12, 10),
        )[0].period_start

    assert {first(utc(2026, 1, 5)), first(utc(2026, 1, 12))} == {
        date(2026, 11, 23),
        date(2026, 11, 30),
    }


def test_monthly_is_the_first_weekday_of_each_month() -> None:
    found = occurrences(
        cadence=Cadence.MONTHLY,
        weekday=MONDAY,
        at=NINE,
        tz=NEW_YORK,
        anchor=date(2026, 1, 5),
        start=utc(2026, 10, 1),
        end=utc(2027, 2, 1),
    )
    assert [o.period_start for o in found] == [
        date(2026, 10, 5),
        date(2026, 11, 2),
        date(2026, 12, 7),
        date(2027, 1, 4),
    ]
    assert found[0].due_at == utc(2026, 10, 5, 13)  # EDT
    assert found[1].due_at == utc(2026, 11, 2, 14)  # EST, the day after the change


def test_tomorrow_same_local_time_and_day_bounds_across_dst() -> None:
    # Saturday 7 March 2026 in New York: tomorrow 09:00 is already EDT.
    assert next_day_same_time(utc(2026, 3, 7, 15), NINE, NEW_YORK) == utc(2026, 3, 8, 13)
    start, end = day_bounds(date(2026, 3, 8), NEW_YORK)
    assert end - start == timedelta(hours=23)
    start, end = day_bounds(date(2026, 10, 25), BERLIN)
    assert end - start == timedelta(hours=25)
