"""Planning check-ins ahead: CheckIn rows plus one send row per person per local day.

Runs every hour (the due-work planners). It reads every current sponsorship in one
query, computes the cadence's occurrences in the recipient's zone in memory (memoised:
there are few distinct zone/cadence/time combinations), and inserts the rows in bulk;
the unique `uq_checkins_period` constraint makes a re-run insert nothing. Only
occurrences due from an hour ago onward are planned, so nothing missed while Sherpa
was down, paused or not yet a member is ever sent in a burst afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engagement.checkins.schedule import Occurrence, occurrences, week_anchor, zone
from engagement.checkins.sends import CHECKINS, schedule_sends_after
from engagement.duework.registry import WorkContext
from engagement.models import Account, Cadence, CheckIn, CheckInState, Person, Role, Sponsorship

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
    cache: dict[tuple[str, str, int, time, int], list[Occurrence]] = {}
    rows: list[dict[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    for (
        account_id,
        person_id,
        role,
        tz_name,
        paused_until,
        cadence,
        weekday,
        at,
        created,
    ) in session.execute(query):
        if (account_id, person_id) in seen:
            continue
        seen.add((account_id, person_id))
        parity = _parity(week_anchor(created)) if cadence == Cadence.BIWEEKLY else 0
        key = (tz_name, cadence, weekday, at, parity)
        found = cache.get(key)
        if found is None:
            found = cache[key] = occurrences(
                cadence=cadence,
                weekday=weekday,
                at=at,
                tz=zone(tz_name),
                anchor=_anchor_of(parity),
                start=start,
                end=end,
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
