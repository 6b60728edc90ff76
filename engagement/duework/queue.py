"""Putting work on the queue and claiming it, identically on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    TextClause,
    and_,
    bindparam,
    exists,
    literal,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.orm import Session, aliased

from engagement.duework import wake
from engagement.duework.registry import check_kind
from engagement.models import PENDING_WORK, DueWork, WorkState

LEASE = timedelta(minutes=1)
"""How long a claim holds without its process renewing it (`renew`): after a crash, the
rows that process held are free again within a minute."""


_DUE_WORK: Table = DueWork.__table__  # type: ignore[assignment]
_INSERT = (
    "INSERT INTO due_work (kind, key, payload, due_at, scheduled_for, stream, state, attempts) "
    "VALUES (:kind, :key, :payload, :due_at, :due_at, :stream, :state, 0) "
    "ON CONFLICT (key) DO NOTHING"
)
"""The same SQL on SQLite and PostgreSQL, written out because SQLAlchemy 2.0 compiles its
dialect `insert().on_conflict_do_nothing()` anew on every execution (it has no cache
key): about a millisecond of CPU per call, on the path of every DM the engine sends."""


def _insert(sql: str) -> TextClause:
    return text(sql).bindparams(
        bindparam("payload", type_=_DUE_WORK.c.payload.type),
        bindparam("due_at", type_=_DUE_WORK.c.due_at.type),
    )


_SCHEDULE = _insert(_INSERT + " RETURNING id")
_SCHEDULE_ALL = _insert(_INSERT)


@dataclass(frozen=True)
class Scheduled:
    """One row for the queue: what `schedule` and `schedule_all` add."""

    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    stream: str | None = None

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "due_at": self.due_at,
            "stream": self.stream,
            "payload": self.payload,
            "state": WorkState.DUE.value,
        }


def schedule(
    session: Session,
    *,
    kind: str,
    key: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
    stream: str | None = None,
) -> bool:
    """Add a row unless one with `key` exists; True when it was added (idempotent).

    A row of a `stream` (named by `duework.streams`) runs after the rows of that stream
    first due before it, and never while another of them runs. A kind that the session's
    registry does not know is refused (`registry.UnknownKind`): nothing would run it. A row
    due now wakes the clocks when the transaction commits (`duework.wake`).
    """
    check_kind(session, kind)
    row = Scheduled(kind, key, due_at, payload or {}, stream)
    if session.execute(_SCHEDULE, row.values()).first() is None:
        return False
    wake.added(session, due_at)
    return True


def schedule_all(session: Session, rows: Sequence[Scheduled]) -> None:
    """`schedule` for several rows in one round trip (psycopg pipelines an executemany);
    wakes the clocks if the earliest is due now, added or not."""
    for kind in {row.kind for row in rows}:
        check_kind(session, kind)
    if rows:
        session.execute(_SCHEDULE_ALL, [row.values() for row in rows])
        wake.added(session, min(row.due_at for row in rows))


_PENDING = DueWork.state.in_([literal(state.value, literal_execute=True) for state in PENDING_WORK])
"""Implied by the state test below, but written out with its values in the SQL text, so
both databases see at planning time that the claim may walk `ix_due_work_pending` in
(due_at, id) order and stop when its batch is full."""


def _ready(as_of: datetime, real_now: datetime) -> ColumnElement[bool]:
    """Due by `as_of`, either unclaimed or claimed by a process whose lease ran out, and
    next in its stream."""
    return and_(
        DueWork.due_at <= as_of,
        _PENDING,
        or_(
            DueWork.state == WorkState.DUE,
            and_(DueWork.state == WorkState.CLAIMED, DueWork.lease_until < real_now),
        ),
        _next_in_stream(real_now),
    )


_OTHER = aliased(DueWork, name="other")


def _next_in_stream(real_now: datetime) -> ColumnElement[bool]:
    """No other row of its stream is running, nor still to run before it.

    "Before" is (scheduled_for, id): the order the rows were first due in, which retries
    do not change. So a row being retried holds back the later rows of its stream until
    it is done or has failed for good, and a row not yet first due never holds back an
    earlier one. A running row (its lease live) holds back the whole stream, even a row
    put in front of it meanwhile, so a stream never has two rows running at once. Each
    test is one probe of `ix_due_work_stream` (stream, state, scheduled_for), which
    skips the stream's done rows; a row of no stream matches neither.
    """
    other = _OTHER
    before = tuple_(other.scheduled_for, other.id) < tuple_(DueWork.scheduled_for, DueWork.id)
    waiting = exists().where(other.stream == DueWork.stream, other.state == WorkState.DUE, before)
    running = exists().where(
        other.stream == DueWork.stream,
        other.state == WorkState.CLAIMED,
        other.id != DueWork.id,
        or_(other.lease_until >= real_now, before),
    )
    return and_(~waiting, ~running)


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


@dataclass(frozen=True)
class Taken:
    """A claimed row as its run sees it."""

    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int
    last_error: str | None = None
    """Why its last attempt did not go through, if one did not."""


_TAKE = (
    update(_DUE_WORK)
    .where(
        _DUE_WORK.c.id == bindparam("work_id"),
        _DUE_WORK.c.claimed_by == bindparam("worker"),
        _DUE_WORK.c.state == WorkState.CLAIMED.value,
    )
    .values(state=WorkState.DONE.value, done_at=bindparam("real_now"), lease_until=None)
    .returning(
        _DUE_WORK.c.kind,
        _DUE_WORK.c.key,
        _DUE_WORK.c.payload,
        _DUE_WORK.c.attempts,
        _DUE_WORK.c.last_error,
    )
)


def take(session: Session, *, work_id: int, worker: str, real_now: datetime) -> Taken | None:
    """Mark `worker`'s claimed row done in the transaction that runs it; None if it is not ours.

    One statement where a read and a write would do: the row is done only if that
    transaction commits (a failing handler rolls it back to claimed), and from here to
    the commit the row is locked, so no other process can take it over even if the
    lease runs out while Slack keeps this one waiting. `done_at` is when the run began.
    """
    row = session.execute(
        _TAKE, {"work_id": work_id, "worker": worker, "real_now": real_now}
    ).first()
    if row is None:
        return None
    return Taken(
        kind=row.kind,
        key=row.key,
        payload=dict(row.payload),
        attempts=row.attempts,
        last_error=row.last_error,
    )


def still_claimed(session: Session, *, work_id: int, worker: str) -> DueWork | None:
    """`worker`'s claimed row, locked, to say what became of its failed run; None once
    another process has claimed it. A run holds its row locked (`take`) but not its lease
    (`renew` skips locked rows): when a run that outlived its lease fails, the row comes
    back unlocked and lapsed, and another process may claim it, even run it, before the
    failure is written; putting it back then would run it twice."""
    return session.scalar(
        select(DueWork)
        .where(
            DueWork.id == work_id,
            DueWork.claimed_by == worker,
            DueWork.state == WorkState.CLAIMED,
        )
        .with_for_update()
    )


def renew(session: Session, *, worker: str, real_now: datetime) -> int:
    """Extend every lease `worker` holds: a live process keeps its rows however long they take.

    Rows locked by a run in progress (`take`) are skipped rather than waited for: they
    are safe from other claimers while locked, and waiting would let the others lapse.
    """
    holding = (
        select(DueWork.id)
        .where(DueWork.claimed_by == worker, DueWork.state == WorkState.CLAIMED)
        .with_for_update(skip_locked=True)
    )
    result = session.execute(
        update(DueWork)
        .where(DueWork.id.in_(holding))
        .values(lease_until=real_now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))
