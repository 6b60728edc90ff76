"""Putting work on the queue and claiming it, identically on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engagement.models import DueWork, WorkState

LEASE = timedelta(minutes=5)


def schedule(
    session: Session,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Add a row unless one with `key` exists; True when it was added (idempotent)."""
    values = {
        "kind": kind,
        "key": key,
        "due_at": due_at,
        "payload": payload or {},
        "state": WorkState.DUE,
        "attempts": 0,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(DueWork)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(DueWork.id)
    )
    return session.execute(statement).first() is not None


def _ready(as_of: datetime, real_now: datetime) -> ColumnElement[bool]:
    """Due by `as_of` and either unclaimed or claimed by a process whose lease ran out."""
    return and_(
        DueWork.due_at <= as_of,
        or_(
            DueWork.state == WorkState.DUE,
            and_(DueWork.state == WorkState.CLAIMED, DueWork.lease_until < real_now),
        ),
    )


def any_ready(session: Session, *, as_of: datetime, real_now: datetime) -> bool:
    return session.scalar(select(DueWork.id).where(_ready(as_of, real_now)).limit(1)) is not None


def claim(
    session: Session, *, as_of: datetime, real_now: datetime, worker: str, limit: int
) -> list[int]:
    """Take up to `limit` ready rows for `worker`, atomically.

    PostgreSQL locks the candidates with `FOR UPDATE SKIP LOCKED` until the
    transaction ends, so a concurrent claimer skips them. SQLite ignores that clause;
    its transactions start with `BEGIN IMMEDIATE` (one writer at a time) and the
    conditional `UPDATE … WHERE` repeats the readiness test, so a row another
    process took in between is not taken again. Selecting first and updating by ID
    avoids PostgreSQL re-running a `LIMIT … SKIP LOCKED` subquery inside an UPDATE,
    which can take more rows than asked for.
    """
    ready = _ready(as_of, real_now)
    candidates = session.scalars(
        select(DueWork.id)
        .where(ready)
        .order_by(DueWork.due_at, DueWork.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not candidates:
        return []
    statement = (
        update(DueWork)
        .where(DueWork.id.in_(candidates), ready)
        .values(state=WorkState.CLAIMED, claimed_by=worker, lease_until=real_now + LEASE)
        .returning(DueWork.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.scalars(statement).all())
