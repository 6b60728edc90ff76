"""Putting work on the queue and claiming it, identically on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, bindparam, or_, select, text, update
from sqlalchemy.orm import Session

from engagement.models import DueWork, WorkState

LEASE = timedelta(minutes=1)
"""How long a claim holds without its process renewing it (`renew`): after a crash, the
rows that process held are free again within a minute."""


_DUE_WORK: Table = DueWork.__table__  # type: ignore[assignment]
_SCHEDULE = text(
    "INSERT INTO due_work (kind, key, payload, due_at, state, attempts) "
    "VALUES (:kind, :key, :payload, :due_at, :state, 0) "
    "ON CONFLICT (key) DO NOTHING RETURNING id"
).bindparams(
    bindparam("payload", type_=_DUE_WORK.c.payload.type),
    bindparam("due_at", type_=_DUE_WORK.c.due_at.type),
)
"""The same SQL on SQLite and PostgreSQL, written out because SQLAlchemy 2.0 compiles its
dialect `insert().on_conflict_do_nothing()` anew on every execution (it has no cache
key): about a millisecond of CPU per call, on the path of every DM the engine sends."""


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
        "state": WorkState.DUE.value,
    }
    return session.execute(_SCHEDULE, values).first() is not None


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


def renew(session: Session, *, worker: str, real_now: datetime) -> int:
    """Extend every lease `worker` holds: a live process keeps its rows however long they take."""
    result = session.execute(
        update(DueWork)
        .where(DueWork.claimed_by == worker, DueWork.state == WorkState.CLAIMED)
        .values(lease_until=real_now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))
