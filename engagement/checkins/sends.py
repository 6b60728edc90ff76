"""The `checkin.send` due-work rows: one per person per local day, whatever the account count.

Keys are `checkin.send:<person_id>:<local date>` and carry the identity (the payload is
empty). When a check-in is added to a day whose row already exists, the row moves
earlier if the new check-in is due earlier; if that day's DM has already gone out (the
row is done), the row is made due again at the new check-in's time, and its run sends
only what is still unsent. Either way its place in the person's stream
(`scheduled_for`) moves with it: that is a new plan, not a retry. Rows that failed for
good (Slack refused the user) are left for operators.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Insert, String, Table, case, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engagement.duework import streams
from engagement.models import CheckIn, CheckInState, DueWork, WorkState

SEND = "checkin.send"
NUDGE = "checkin.nudge"
EXPIRE = "checkin.expire"

DUE_WORK: Table = DueWork.__table__  # type: ignore[assignment]
CHECKINS: Table = CheckIn.__table__  # type: ignore[assignment]


def send_key(person_id: int, day: date) -> str:
    return f"{SEND}:{person_id}:{day.isoformat()}"


def parse_send_key(key: str) -> tuple[int, date]:
    _, person_id, day = key.rsplit(":", 2)
    return int(person_id), date.fromisoformat(day)


def nudge_key(checkin_id: int) -> str:
    return f"{NUDGE}:{checkin_id}"


def expire_key(checkin_id: int) -> str:
    return f"{EXPIRE}:{checkin_id}"


def _upsert(session: Session) -> Insert:
    """INSERT … ON CONFLICT (key): move a due row earlier, revive a done one, else nothing."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(DUE_WORK)
    new, old = statement.excluded, DUE_WORK.c
    done = old.state == WorkState.DONE
    return statement.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "due_at": case(
                (done, new.due_at), (new.due_at < old.due_at, new.due_at), else_=old.due_at
            ),
            "attempts": case((done, 0), else_=old.attempts),
            "scheduled_for": case(  # its place in the person's stream moves with it
                (done, new.due_at),
                (new.due_at < old.scheduled_for, new.due_at),
                else_=old.scheduled_for,
            ),
            "state": WorkState.DUE,
            "done_at": None,
        },
        where=or_(old.state == WorkState.DUE, done),  # no IN (…): executemany forbids it
    )


def schedule_send(session: Session, person_id: int, day: date, due_at: datetime) -> None:
    """Make sure `person_id`'s DM for local `day` goes out by `due_at`."""
    row: dict[str, Any] = {
        "kind": SEND,
        "key": send_key(person_id, day),
        "due_at": due_at,
        "scheduled_for": due_at,
        "stream": streams.person(person_id),
        "payload": {},
        "state": WorkState.DUE,
        "attempts": 0,
    }
    session.connection().execute(_upsert(session), [row])


def schedule_sends_after(session: Session, last_id: int) -> None:
    """Send rows for every planned check-in with an ID above `last_id`, in one statement.

    Planned check-ins are due on their `period_start` (a local date), so the person-day is
    (person_id, period_start) and the row is due at the day's earliest check-in.
    """
    key: ColumnElement[str] = (
        literal(f"{SEND}:")
        + cast(CHECKINS.c.person_id, String)
        + literal(":")
        + cast(CHECKINS.c.period_start, String)
    )
    rows = (
        select(
            literal(SEND),
            key,
            literal({}, type_=DUE_WORK.c.payload.type),
            func.min(CHECKINS.c.due_at),
            func.min(CHECKINS.c.due_at),
            streams.person_column(CHECKINS.c.person_id),
            literal(WorkState.DUE.value),
            literal(0),
        )
        .where(CHECKINS.c.id > last_id, CHECKINS.c.state == CheckInState.DUE)
        .group_by(CHECKINS.c.person_id, CHECKINS.c.period_start)
    )
    names = ["kind", "key", "payload", "due_at", "scheduled_for", "stream", "state", "attempts"]
    session.connection().execute(_upsert(session).from_select(names, rows))
