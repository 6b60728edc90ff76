"""Waking the clock at once: commits that queue work due now ring it, coalesced; PostgreSQL
carries the wake to the other processes with NOTIFY; the heartbeat tells when no clock runs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy.orm import Session, sessionmaker

from engagement import db
from engagement.clock import MovableClock
from engagement.db import transaction
from engagement.duework.engine import Engine
from engagement.duework.heartbeat import SILENT_AFTER, last_beat, overdue, silence
from engagement.duework.queue import Scheduled, schedule, schedule_all
from engagement.duework.registry import Registry, WorkContext
from engagement.duework.wake import GAP, Alarm, Runner, listen, watch
from engagement.models import DueWork, WorkState
from tests import pg
from tests.conftest import fresh_postgres_url
from tests.fakes import FakeNotifier

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def registry(seen: list[str]) -> Registry:
    registry = Registry()

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        seen.append(context.key)

    return registry


def watched(engine: SqlEngine, alarm: Alarm) -> sessionmaker[Session]:
    """Sessions as a runtime makes them: scheduling the probe kind, watched for wakes at T0."""
    sessions = registry([]).bind_sessions(db.session_factory(engine))
    watch(sessions, clock=MovableClock(T0), alarm=alarm)
    return sessions


def add(sessions: sessionmaker[Session], key: str, due_at: datetime = T0) -> None:
    with transaction(sessions) as session:
        schedule(session, kind="probe", key=key, due_at=due_at)


def test_only_a_committed_transaction_that_queued_work_due_now_rings(engine: SqlEngine) -> None:
    alarm = Alarm()
    sessions = watched(engine, alarm)
    add(sessions, "later", T0 + timedelta(minutes=5))
    assert not alarm.wait(0), "work due later is the poll's"
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        schedule(session, kind="probe", key="undone", due_at=T0)
        raise RuntimeError("the request failed")
    assert not alarm.wait(0), "a rolled-back transaction queued nothing"
    with transaction(sessions) as session:
        for number in range(3):
            schedule(session, kind="probe", key=f"now:{number}", due_at=T0 - timedelta(seconds=1))
        assert not alarm.wait(0), "not before the commit: the clock would not see the rows"
    assert alarm.wait(0)
    assert not alarm.wait(0), "three rows in one commit: one wake"
    add(sessions, "now:0")
    assert not alarm.wait(0), "a row already queued adds nothing"
    with transaction(sessions) as session:
        schedule_all(session, [Scheduled("probe", "bulk", T0)])
    assert alarm.wait(0)


def test_a_burst_of_commits_wakes_the_clock_a_bounded_number_of_times(engine: SqlEngine) -> None:
    """1,000 commits over two seconds, each queuing work due now and ringing the alarm,
    while the clock runs (5 ms a run): each run begins at least `GAP` after the last, and
    the rings meanwhile make one run. Time is the test's: `pause` and each run move it."""
    alarm, stopping = Alarm(), threading.Event()
    sessions = watched(engine, alarm)
    now, committed = [0.0], [0]
    arrivals = [n * 0.002 for n in range(1000)]

    def advance(seconds: float) -> None:
        now[0] += seconds
        while committed[0] < len(arrivals) and arrivals[committed[0]] <= now[0]:
            add(sessions, f"burst:{committed[0]}")
            committed[0] += 1
        if committed[0] == len(arrivals):
            stopping.set()
            alarm.ring()

    runner = Runner(lambda: advance(0.005), alarm, stopping, monotonic=lambda: now[0],
                    pause=advance)  # fmt: skip
    alarm.ring()  # the clock's first run, at start
    runner.serve()
    assert committed[0] == 1000
    assert 2.0 / GAP <= runner.runs <= 2.0 / GAP + 1


def test_the_runner_runs_at_once_after_a_quiet_spell_and_stops_when_told() -> None:
    alarm, stopping = Alarm(), threading.Event()
    now, started = [100.0], []

    def run() -> None:
        started.append(now[0])
        if len(started) == 2:
            stopping.set()
        alarm.ring()

    def pause(seconds: float) -> None:
        now[0] += seconds

    alarm.ring()
    Runner(run, alarm, stopping, monotonic=lambda: now[0], pause=pause).serve()
    assert started == [100.0, 100.0 + GAP]


def test_the_engine_beats_at_each_run_and_overdue_work_is_counted(engine: SqlEngine) -> None:
    sessions = watched(engine, Alarm())
    real = MovableClock(T0)
    with sessions() as session:
        assert last_beat(session) is None
    add(sessions, "old", T0 - timedelta(minutes=10))
    add(sessions, "recent", T0 - timedelta(minutes=1))
    add(sessions, "later", T0 + timedelta(minutes=10))
    with sessions() as session:
        assert overdue(session, T0) == 1
    Engine(sessions, registry([]), FakeNotifier(), real_clock=real).run_due(T0)
    with sessions() as session:
        assert last_beat(session) == T0
        assert overdue(session, T0 + timedelta(minutes=30)) == 1  # "later", still to run
        states = sorted(session.query(DueWork.key, DueWork.state).all())
    assert states == [
        ("later", WorkState.DUE), ("old", WorkState.DONE), ("recent", WorkState.DONE)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("last", "since", "reason"),
    [
        (None, T0 - timedelta(minutes=2), None),  # a fresh install: its clock is starting
        (None, T0 - SILENT_AFTER, "no clock has run in the 3 min since this process started"),
        (T0 - timedelta(minutes=2, seconds=59), T0 - timedelta(hours=1), None),
        (T0 - timedelta(minutes=4), T0 - timedelta(hours=1), "no clock has run for 4 min"),
        (T0 - timedelta(minutes=4), T0, "no clock has run for 4 min"),
    ],
)
def test_a_clock_is_silent_after_three_minutes_without_a_run(
    last: datetime | None, since: datetime, reason: str | None
) -> None:
    said = silence(last, since=since, now=T0)
    assert (said if reason is None else said and said.split(" (")[0]) == reason


@pytest.mark.postgres
def test_a_notify_from_one_connection_wakes_a_listener(postgres: pg.PostgresServer) -> None:
    """A web process's commit wakes a clock process listening on its own connection."""
    url = fresh_postgres_url(postgres)
    web, clock = db.make_engine(url), db.make_engine(url)
    heard, stopping = Alarm(), threading.Event()
    listener = threading.Thread(target=listen, args=(clock, heard, stopping), daemon=True)
    listener.start()
    try:
        sessions = watched(web, Alarm())
        add(sessions, "later", T0 + timedelta(hours=1))
        # the listener may still be connecting: commit until it hears one (each is a new row)
        number = 0
        while not heard.wait(0.5):
            add(sessions, f"now:{number}")
            number += 1
            assert number < 40, "no NOTIFY reached the listener in 20 s"
    finally:
        stopping.set()
        listener.join(timeout=10)
        web.dispose()
        clock.dispose()
    assert not listener.is_alive()
