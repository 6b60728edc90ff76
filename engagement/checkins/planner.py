"""Planning check-ins ahead: CheckIn rows plus one send row per person per local day.

Runs every hour (the due-work planners). It reads every current sponsorship in one
query, computes the cadence's occurrences in the recipient's zone in memory (memoised:
there are few distinct zone/cadence/time combinations), and inserts the rows in bulk;
the unique `uq_checkins_period` constraint makes a re-run insert nothing. Only
occurrences due from an hour ago onward are planned, so nothing missed while Sherpa
was down, paused or not yet a member is ever sent in a burst afterwards.

An occurrence on a weekend or a public holiday of the recipient's country (`workdays`)
moves to the next working day at the same local time, unless the portfolio turns
`working_days` off; the period is then that working day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engagement.checkins.introduction import introduce_newcomers
from engagement.checkins.schedule import Occurrence, occurrences, to_utc, week_anchor, zone
from engagement.checkins.sends import CHECKINS, schedule_sends_after
from engagement.checkins.workdays import LONGEST_BREAK, country_for, next_working_day
from engagement.duework.registry import WorkContext
from engagement.models import (
    Account,
    Cadence,
    CheckIn,
    CheckInState,
    Person,
    PortfolioSettings,
    Role,
    Sponsorship,
)

HORIZON = timedelta(days=8)
"""How far ahead rows exist: a little over a week, so weekly rows are there days early."""
GRACE = timedelta(hours=1)
"""Occurrences this recent are still planned (one hourly run late at most), older never."""
CHUNK = 2000


def plan(context: WorkContext) -> int:
    return plan_checkins(context.session, now=context.now)


def plan_checkins(session: Session, *, now: datetime, horizon: timedelta = HORIZON) -> int:
    """Create the check-ins due in `[now - GRACE, now + horizon)`; returns how many were new."""
    start, end = now - GRACE, now + horizon
    wanted = _wanted(session, start, end)
    if not wanted:
        return 0
    last_id = session.scalar(select(func.max(CheckIn.id))) or 0
    _insert_checkins(session, wanted)
    created = session.scalar(select(func.count()).where(CheckIn.id > last_id)) or 0
    if created:
        schedule_sends_after(session, last_id)
        introduce_newcomers(session, now=now, after_checkin=last_id)
    return created


def _wanted(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """One row per (account, person, period); a sponsor who is also SAM answers as sponsor."""
    query = (
        select(
            Sponsorship.account_id,
            Sponsorship.person_id,
            Sponsorship.role,
            Person.timezone,
            Person.paused_until,
            Person.country,
            Account.country,
            Account.cadence,
            Account.checkin_weekday,
            Account.checkin_time,
            Account.created_at,
        )
        .join(Person, Person.id == Sponsorship.person_id)
        .join(Account, Account.id == Sponsorship.account_id)
        .where(Sponsorship.ended_at.is_(None))
        .order_by(Sponsorship.account_id, Sponsorship.person_id, Sponsorship.role.desc())
    )  # role desc: 'sponsor' before 'sam'
    settings = session.get(PortfolioSettings, 1)
    default_country = settings.country if settings is not None else None
    working_days = settings.working_days if settings is not None else True
    cache: dict[tuple[str, str, int, time, int, str | None], list[Occurrence]] = {}
    rows: list[dict[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    for (
        account_id,
        person_id,
        role,
        tz_name,
        paused_until,
        person_country,
        account_country,
        cadence,
        weekday,
        at,
        created,
    ) in session.execute(query):
        if (account_id, person_id) in seen:
            continue
        seen.add((account_id, person_id))
        parity = _parity(week_anchor(created)) if cadence == Cadence.BIWEEKLY else 0
        country = (
            country_for(person_country, account_country, default_country, tz_name)
            if working_days
            else None
        )
        key = (tz_name, cadence, weekday, at, parity, country)
        found = cache.get(key)
        if found is None:
            found = cache[key] = _occurrences(
                cadence, weekday, at, tz_name, parity, start, end, working_days, country
            )
        for occurrence in found:
            if paused_until is not None and occurrence.period_start < paused_until:
                continue  # paused periods are never planned, so there is nothing to catch up
            rows.append({
                "account_id": account_id,
                "person_id": person_id,
                "role": Role(role).value,
                "period_start": occurrence.period_start,
                "due_at": occurrence.due_at,
                "state": CheckInState.DUE.value,
                "deferred": False,
            })  # fmt: skip
    return rows


def _occurrences(
    cadence: str,
    weekday: int,
    at: time,
    tz_name: str,
    parity: int,
    start: datetime,
    end: datetime,
    working_days: bool,
    country: str | None,
) -> list[Occurrence]:
    """The cadence's occurrences due in `[start, end)`, moved off non-working days if asked.

    A day off before `start` may move into the window, so the search starts earlier."""
    tz = zone(tz_name)
    found = occurrences(
        cadence=cadence,
        weekday=weekday,
        at=at,
        tz=tz,
        anchor=_anchor_of(parity),
        start=start - LONGEST_BREAK if working_days else start,
        end=end,
    )
    if not working_days:
        return found
    moved = []
    for occurrence in found:
        day = next_working_day(occurrence.period_start, country)
        due = occurrence.due_at if day == occurrence.period_start else to_utc(day, at, tz)
        if start <= due < end:
            moved.append(Occurrence(day, due))
    return moved


def _parity(anchor: date) -> int:
    """Biweekly cadences only differ by the parity of their anchor week."""
    return ((anchor.toordinal() - 1) // 7) % 2


def _anchor_of(parity: int) -> date:
    """A canonical Monday with that parity (ordinal 1 is Monday 0001-01-01)."""
    return date.fromordinal(1 + 7 * parity)


def _insert_checkins(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert what is missing; a conflict is a period already planned (or paused and resumed)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(CHECKINS).on_conflict_do_nothing(
        index_elements=["account_id", "person_id", "period_start"]
    )
    connection = session.connection()
    for chunk in _chunks(rows):
        connection.execute(statement, chunk)


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


LOOK_AHEAD = timedelta(days=70)
"""How far `next_checkin` looks: past any cadence's gap and a long holiday."""


def next_checkin(
    session: Session, account: Account, person: Person, *, after: datetime
) -> datetime | None:
    """When the person's next check-in on the account is due (UTC), placed as planning
    places it: their zone, the account's cadence, working days, their pause."""
    settings = session.get(PortfolioSettings, 1)
    working_days = settings.working_days if settings is not None else True
    default_country = settings.country if settings is not None else None
    country = (
        country_for(person.country, account.country, default_country, person.timezone)
        if working_days
        else None
    )
    parity = _parity(week_anchor(account.created_at)) if account.cadence == Cadence.BIWEEKLY else 0
    found = _occurrences(
        account.cadence, account.checkin_weekday, account.checkin_time, person.timezone,
        parity, after, after + LOOK_AHEAD, working_days, country,
    )  # fmt: skip
    paused = person.paused_until
    return next((o.due_at for o in found if paused is None or o.period_start >= paused), None)
