"""The due-work registry: a kind nobody registered is refused where it is scheduled, and a
row of such a kind is failed at once by the engine instead of retried for three days."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from engagement import db
from engagement.db import transaction
from engagement.duework.engine import Engine
from engagement.duework.queue import Scheduled, schedule, schedule_all
from engagement.duework.registry import PLAN_KIND, Registry, UnknownKind, WorkContext
from engagement.models import DueWork, WorkState
from tests.fakes import FakeNotifier

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def probes(seen: list[str]) -> Registry:
    registry = Registry()
    registry.kind("probe", lambda context: seen.append(context.key))
    return registry


@pytest.fixture
def sessions(engine: SqlEngine) -> sessionmaker[Session]:
    """Sessions bound to no registry: each test binds the one it means."""
    return db.session_factory(engine)


def count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(DueWork)) or 0


def test_schedule_refuses_a_kind_nobody_registered(sessions: sessionmaker[Session]) -> None:
    registry = probes([])
    with pytest.raises(UnknownKind, match=r"'probe\.typo'"), transaction(sessions) as session:
        registry.bind(session)
        schedule(session, kind="probe", key="fine", due_at=T0)
        schedule(session, kind="probe.typo", key="typo", due_at=T0)
    with pytest.raises(UnknownKind, match="'ghost'"), transaction(sessions) as session:
        registry.bind(session)
        schedule_all(session, [Scheduled("probe", "a", T0), Scheduled("ghost", "b", T0)])
    assert count(sessions) == 0  # the transaction that tried wrote nothing


def test_a_session_with_no_registry_schedules_nothing(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(UnknownKind, match="no due-work registry"), sessions() as session:
        schedule(session, kind="probe", key="k", due_at=T0)


def test_sessions_made_by_a_bound_factory_know_its_kinds(
    sessions: sessionmaker[Session],
) -> None:
    probes([]).bind_sessions(sessions)
    with transaction(sessions) as session:
        assert schedule(session, kind="probe", key="k", due_at=T0)
        with pytest.raises(UnknownKind):
            schedule(session, kind="plan", key="plan:k", due_at=T0)  # no planners, no plan


def test_a_kind_or_a_planner_registered_twice_is_refused() -> None:
    registry = probes([])
    with pytest.raises(ValueError, match="'probe' registered twice"):
        registry.kind("probe", lambda context: None)
    with pytest.raises(ValueError, match="registered twice"):
        registry.kind(PLAN_KIND, lambda context: None)  # the engine's own
    registry.planner("first", lambda context: 0)
    with pytest.raises(ValueError, match="'first' registered twice"):
        registry.planner("first", lambda context: 0)


def test_the_engine_fails_a_row_of_an_unknown_kind_at_once_and_logs_it(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    """Written by an older or newer release, or by hand: nothing here runs it, so it is
    kept as failed for an operator at the first attempt; the rest run as usual."""
    seen: list[str] = []
    registry = probes(seen)
    with transaction(sessions) as session:
        session.execute(
            insert(DueWork),
            [
                {"kind": "ghost", "key": "ghost:1", "due_at": T0, "scheduled_for": T0,
                 "state": WorkState.DUE, "attempts": 0, "payload": {}},
                {"kind": "probe", "key": "probe:1", "due_at": T0, "scheduled_for": T0,
                 "state": WorkState.DUE, "attempts": 0, "payload": {}},
            ],
        )  # fmt: skip
    with caplog.at_level(logging.WARNING):
        report = Engine(sessions, registry, FakeNotifier()).run_due(T0)
    assert (report.done, report.failed, report.retried) == ({"probe": 1}, 1, 0)
    assert seen == ["probe:1"]
    with sessions() as session:
        ghost = session.scalars(select(DueWork).where(DueWork.kind == "ghost")).one()
    assert (ghost.state, ghost.attempts) == (WorkState.FAILED, 1)
    assert ghost.last_error and "'ghost'" in ghost.last_error
    [logged] = [r for r in caplog.records if "due_work.unknown_kind" in r.getMessage()]
    assert logged.levelno == logging.ERROR and "kind=ghost" in logged.getMessage()


def test_a_handler_schedules_only_the_kinds_of_its_engines_registry(
    sessions: sessionmaker[Session],
) -> None:
    """Follow-up work of a kind nobody registered fails its handler where it is scheduled
    (and the row is retried as for any bug), instead of queuing work nothing runs."""
    registry = Registry()

    def chain(context: WorkContext) -> None:
        schedule(context.session, kind="follow.up", key=f"next:{context.key}", due_at=context.now)

    registry.kind("chain", chain)
    with transaction(sessions) as session:
        registry.bind(session)
        schedule(session, kind="chain", key="chain:1", due_at=T0)
    report = Engine(sessions, registry, FakeNotifier()).run_due(T0)
    assert (report.total, report.retried) == (0, 1)
    with sessions() as session:
        row = session.scalars(select(DueWork)).one()
    assert row.kind == "chain" and "'follow.up'" in (row.last_error or "")
    registry.kind("follow.up", lambda context: None)  # now someone registers it
    report = Engine(sessions, registry, FakeNotifier()).run_due(row.due_at)
    assert report.done == {"chain": 1, "follow.up": 1}


def test_planners_run_in_the_order_they_were_registered(
    sessions: sessionmaker[Session],
) -> None:
    ran: list[str] = []
    registry = Registry()
    for name in ("people", "checkins", "digests", "alerts"):
        registry.planner(name, lambda context, name=name: ran.append(name) or 0)
    Engine(sessions, registry, FakeNotifier()).run_due(T0)
    assert ran == ["people", "checkins", "digests", "alerts"]
