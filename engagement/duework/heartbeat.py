"""The clock's heartbeat: when each clock process last ran due work, in the database, so
`/healthz` and `sherpa doctor` can tell when no clock is running."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.clock import as_utc
from engagement.db import count
from engagement.models import PENDING_WORK, DueWork, SchedulerBeat

SILENT_AFTER = timedelta(minutes=3)
"""No clock run for this long is a clock that is not running: it runs at least every minute."""
OVERDUE_AFTER = timedelta(minutes=2)
"""Work still pending this long after it was due is overdue (the clock looks every minute)."""


def beat(session: Session, worker: str, at: datetime) -> None:
    """Record that `worker`'s clock is running due work at `at` (the real clock)."""
    found = session.get(SchedulerBeat, worker)
    if found is None:
        session.add(SchedulerBeat(worker=worker, at=at))
    else:
        found.at = at


def last_beat(session: Session) -> datetime | None:
    """When any clock last ran due work."""
    at = session.scalar(select(func.max(SchedulerBeat.at)))
    return as_utc(at) if at is not None else None


def silence(last: datetime | None, *, since: datetime, now: datetime) -> str | None:
    """Why no clock seems to be running, or None: no run for `SILENT_AFTER`, counting from
    `since` (when the asking process started) while no clock has ever run, so a fresh
    install is given the time for its first run."""
    if now - (last or since) < SILENT_AFTER:
        return None
    minutes = int((now - (last or since)).total_seconds() // 60)
    if last is None:
        return f"no clock has run in the {minutes} min since this process started"
    return f"no clock has run for {minutes} min (last at {last:%Y-%m-%d %H:%M:%S} UTC)"


def overdue(session: Session, now: datetime) -> int:
    """Rows still to run that were due more than `OVERDUE_AFTER` before `now`."""
    return count(session, DueWork.state.in_(PENDING_WORK) & (DueWork.due_at < now - OVERDUE_AFTER))
