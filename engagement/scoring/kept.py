"""Completed weeks' scorecards, kept, so that a digest computes only the weeks it has not
seen: the week just ended, and any week changed since.

A completed week's scorecard is never final: an answer given late, an edit, an expiry, a
cancelled escalation or a KPI value recorded late changes it, and the weeks after it
whose windows include it. Triggers on the tables figures come from (migration 0016) log
each change as a `ScoreChange`: the account, and the day from which its weeks may differ.
A kept week holds while no change to its account from before its Monday is newer than it:

* SQLite: a change whose ID is above the last one the week saw (writers take turns, so
  IDs are in commit order);
* PostgreSQL: a change whose transaction is not visible in the snapshot the week was
  computed in (`pg_visible_in_snapshot`), so a change committed while a digest was being
  composed is never taken as seen.

A week holds only for the KPIs (`fingerprint`) and the zone it was scored with, and for a
computation at or after the moment it was made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import islice
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Table,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.types import UserDefinedType

from engagement.duework.queue import schedule
from engagement.duework.registry import WorkContext
from engagement.models import Account, KeptWeek, ScoreChange, UTCDateTime
from engagement.scoring import weeks
from engagement.scoring.indicators import HISTORY, AccountRef, id_parameters, listed_ids
from engagement.scoring.indicators.figures import fetch_all
from engagement.scoring.kpis import Kpi
from engagement.scoring.scorecard import Status

LETTERS: dict[Status | None, str] = {
    Status.GREEN: "g",
    Status.AMBER: "a",
    Status.RED: "r",
    None: "-",
}
STATUSES = {letter: status for status, letter in LETTERS.items()}

KEPT: Table = KeptWeek.__table__  # type: ignore[assignment]
CHANGES: Table = ScoreChange.__table__  # type: ignore[assignment]


def fingerprint(kpis: Sequence[Kpi]) -> str:
    """What a week's scorecard depends on in the KPIs: which, in what order, their sources,
    thresholds and weights (not their labels)."""
    described = [(kpi.id, kpi.key, str(kpi.source), kpi.thresholds, kpi.weight) for kpi in kpis]
    return hashlib.sha256(repr(described).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Seen:
    """What a computation has seen of the changes: taken before it reads any figure."""

    horizon: int
    """SQLite: the last change's ID; PostgreSQL: the snapshot's `xmin`, below which every
    transaction had ended."""
    snapshot: str
    """PostgreSQL: the snapshot itself, as text."""


def seen(session: Session) -> Seen:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        snapshot = connection.execute(text("SELECT pg_current_snapshot()::text")).scalar_one()
        return Seen(int(snapshot.split(":")[0]), snapshot)  # xmin:xmax:running
    last = connection.execute(select(func.max(ScoreChange.id))).scalar()
    return Seen(last or 0, "")


class _Xid8(UserDefinedType[int]):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


class _Snapshot(UserDefinedType[str]):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "pg_snapshot"


def _unseen(
    change: Any, horizon: ColumnElement[int], snapshot: ColumnElement[str], postgresql: bool
) -> ColumnElement[bool]:
    """The change was committed after what `horizon` and `snapshot` saw (`Seen`)."""
    if not postgresql:
        later: ColumnElement[bool] = change.id > horizon
        return later
    xid = cast(cast(change.xid, Text()), _Xid8())
    return and_(
        change.xid >= horizon,
        ~func.pg_visible_in_snapshot(xid, cast(snapshot, _Snapshot())),
    )


@lru_cache(maxsize=4)
def _load_statement(listed: bool, postgresql: bool) -> Executable:
    """Built once per shape: the accounts' kept weeks in the parameters' range that hold."""
    change = CHANGES.alias("change")
    kept = KEPT.c
    changed = exists().where(
        change.c.account_id == kept.account_id,
        change.c.since <= kept.monday,
        _unseen(change.c, kept.horizon, kept.snapshot, postgresql),
    )
    return (
        select(kept.account_id, kept.week, kept.statuses, kept.actuals)
        .join(Account, Account.id == kept.account_id)
        .where(
            kept.account_id.in_(listed_ids(listed)),
            kept.zone == Account.timezone,
            kept.kpis == bindparam("kpis"),
            kept.computed_at <= bindparam("now", type_=UTCDateTime()),
            kept.week.between(bindparam("first"), bindparam("last")),
            ~changed,
        )
    )


Kept = dict[int, dict[int, tuple[tuple[Status | None, ...], tuple[float | None, ...]]]]
"""{account ID: {week: (each KPI's status, each KPI's value)}}"""


def load(
    session: Session,
    accounts: Sequence[AccountRef],
    kpis: str,
    *,
    first: int,
    last: int,
    now: datetime,
) -> Kept:
    """The accounts' kept weeks from `first` to `last` that still hold, for `now`."""
    listed, named = id_parameters(accounts)
    postgresql = session.get_bind().dialect.name == "postgresql"
    parameters = {**named, "kpis": kpis, "now": now, "first": first, "last": last}
    result: Kept = {}
    for account_id, week, statuses, actuals in fetch_all(
        session, _load_statement(listed, postgresql), parameters
    ):
        result.setdefault(account_id, {})[week] = (
            tuple([STATUSES[letter] for letter in statuses]),
            tuple(json.loads(actuals)),
        )
    return result


@dataclass(frozen=True)
class Week:
    """A completed week's scorecard to keep."""

    account_id: int
    zone: str
    week: int
    statuses: Sequence[Status | None]
    actuals: Sequence[float | None]


BATCH = 1000
"""Weeks written at a time: the first digest keeps 22,000 for 2,000 accounts, which held
at once were 10 MB."""


def keep(session: Session, computed: Iterable[Week], kpis: str, saw: Seen, now: datetime) -> None:
    """Keep weeks computed after `saw`, replacing any kept before."""
    statement, connection = _keep_statement(session), session.connection()
    common = {"kpis": kpis, "computed_at": now, "horizon": saw.horizon, "snapshot": saw.snapshot}
    rows = (
        {
            **common,
            "account_id": week.account_id,
            "week": week.week,
            "monday": weeks.monday(week.week),
            "zone": week.zone,
            "statuses": "".join([LETTERS[status] for status in week.statuses]),
            "actuals": json.dumps(week.actuals),
        }
        for week in computed
    )
    while batch := list(islice(rows, BATCH)):
        connection.execute(statement, batch)


KEPT_COLUMNS = (
    "monday", "zone", "kpis", "computed_at", "horizon", "snapshot", "statuses", "actuals",
)  # fmt: skip


def _keep_statement(session: Session) -> Executable:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(KEPT)
    return statement.on_conflict_do_update(
        index_elements=["account_id", "week"],
        set_={name: statement.excluded[name] for name in KEPT_COLUMNS},
    )


LONG_AGO = {
    "postgresql": text("now() - interval '1 day'"),
    "sqlite": text("datetime('now', '-1 day')"),
}
"""A change logged before this, on the database's clock, was committed before any
computation still running began: every one running has seen it."""
PRUNE = "kept.prune"
PRUNE_AFTER = timedelta(hours=1)
OLDEST = HISTORY + 2
"""Weeks back from this one that a digest can read: its own HISTORY weeks, from a week
earlier for a refresh of last week's digest, and a week more where zones differ."""


def queue_prune(session: Session, week: str, now: datetime) -> None:
    """Once a week, after the digests are posted (`prune`, in its own transaction: pruning
    two channels' weeks at once could deadlock)."""
    schedule(session, kind=PRUNE, key=f"{PRUNE}:{week}", due_at=now + PRUNE_AFTER)


def prune_kept(context: WorkContext) -> None:
    prune(context.session, oldest=weeks.local_week(context.now, "UTC") - OLDEST)


def prune(session: Session, oldest: int) -> None:
    """Forget kept weeks before `oldest`, and the changes that every kept week, every
    computation still running and this one have seen."""
    saw = seen(session)
    connection = session.connection()
    dialect = connection.dialect.name
    postgresql = dialect == "postgresql"
    connection.execute(delete(KeptWeek).where(KeptWeek.week < oldest))
    kept = KEPT.alias("kept")
    change = CHANGES.c
    unseen_by_a_kept_week = exists().where(
        kept.c.account_id == change.account_id,
        kept.c.monday >= change.since,
        _unseen(change, kept.c.horizon, kept.c.snapshot, postgresql),
    )
    connection.execute(
        delete(ScoreChange).where(
            change.xid < saw.horizon if postgresql else change.id <= saw.horizon,
            change.logged_at < LONG_AGO[dialect],
            ~unseen_by_a_kept_week,
        )
    )
