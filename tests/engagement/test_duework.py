"""The due-work engine: idempotent scheduling, atomic claims, retries, leases."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engagement.db import transaction
from engagement.duework.engine import Engine, backoff
from engagement.duework.queue import LEASE, claim, renew, schedule
from engagement.duework.registry import Registry, WorkContext
from engagement.models import DueWork, WorkState
from engagement.notify import Undeliverable
from tests.fakes import FakeNotifier

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def probe_registry(seen: list[str], fail: dict[str, Exception] | None = None) -> Registry:
    registry = Registry()

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        if fail and context.key in fail:
            raise fail.pop(context.key)
        seen.append(context.key)

    return registry


def add(sessions: sessionmaker[Session], count: int, due_at: datetime = T0) -> None:
    with transaction(sessions) as session:
        for number in range(count):
            schedule(session, kind="probe", key=f"probe:{number}", due_at=due_at)


def test_schedule_is_idempotent(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        assert schedule(session, kind="probe", key="k", due_at=T0)
        assert not schedule(session, kind="probe", key="k", due_at=T0 + timedelta(days=1))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(DueWork)) == 1
        assert session.scalars(select(DueWork.due_at)).one() == T0


def test_runs_only_what_is_due(sessions: sessionmaker[Session]) -> None:
    add(sessions, 3)
    with transaction(sessions) as session:
        schedule(session, kind="probe", key="later", due_at=T0 + timedelta(hours=1))
    seen: list[str] = []
    engine = Engine(sessions, probe_registry(seen), FakeNotifier())
    report = engine.run_due(T0)
    assert sorted(seen) == ["probe:0", "probe:1", "probe:2"]
    assert report.done == {"probe": 3}
    assert engine.run_due(T0).total == 0  # nothing twice
    engine.run_due(T0 + timedelta(hours=1))
    assert seen[-1] == "later"


def test_failure_leaves_row_due_with_retry_time(sessions: sessionmaker[Session]) -> None:
    add(sessions, 1)
    seen: list[str] = []
    engine = Engine(
        sessions, probe_registry(seen, {"probe:0": ConnectionError("down")}), FakeNotifier()
    )
    report = engine.run_due(T0)
    assert report.retried == 1 and seen == []
    with sessions() as session:
        row = session.scalars(select(DueWork)).one()
        assert (row.state, row.attempts, row.due_at) == (WorkState.DUE, 1, T0 + backoff(1))
        assert row.last_error == "ConnectionError: down"
    engine.run_due(T0 + backoff(1))
    assert seen == ["probe:0"]


def test_undeliverable_is_kept_as_failed(sessions: sessionmaker[Session]) -> None:
    add(sessions, 1)
    engine = Engine(
        sessions, probe_registry([], {"probe:0": Undeliverable("no channel")}), FakeNotifier()
    )
    assert engine.run_due(T0).failed == 1
    with sessions() as session:
        assert session.scalars(select(DueWork.state)).one() == WorkState.FAILED


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(50) == timedelta(hours=1)


def test_claim_takes_a_row_once_until_its_lease_expires(sessions: sessionmaker[Session]) -> None:
    add(sessions, 2)
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        first = claim(session, as_of=T0, real_now=now, worker="a", limit=10)
    with transaction(sessions) as session:
        second = claim(session, as_of=T0, real_now=now, worker="b", limit=10)
    assert len(first) == 2 and second == []
    with transaction(sessions) as session:  # worker a died: after the lease, b takes over
        taken = claim(session, as_of=T0, real_now=now + LEASE * 1.1, worker="b", limit=10)
    assert taken == first


def test_a_renewed_lease_keeps_a_live_worker_s_rows(sessions: sessionmaker[Session]) -> None:
    add(sessions, 2)
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        mine = claim(session, as_of=T0, real_now=now, worker="a", limit=1)
        theirs = claim(session, as_of=T0, real_now=now, worker="b", limit=1)
    later = now + LEASE * 0.9
    with transaction(sessions) as session:
        assert renew(session, worker="a", real_now=later) == 1
    with transaction(sessions) as session:  # b's lease ran out; a's was renewed
        taken = claim(session, as_of=T0, real_now=now + LEASE * 1.1, worker="c", limit=10)
    assert taken == theirs and taken != mine


def test_the_engine_renews_the_lease_of_an_item_that_outlasts_it(
    sessions: sessionmaker[Session],
) -> None:
    """A live process keeps its rows however long they take, so no one else takes them."""
    if sessions.kw["bind"].dialect.name == "sqlite":
        pytest.skip("SQLite runs one writing transaction at a time, so items cannot overlap")
    start = datetime.now(UTC)
    real_now = [start]
    outlasted = threading.Event()
    leases: list[datetime | None] = []
    registry = Registry()

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        if context.key != "probe:0":
            assert outlasted.wait(timeout=10)
            return
        real_now[0] += 2 * LEASE
        outlasted.set()
        deadline, lease = time.monotonic() + 10, None
        while time.monotonic() < deadline and (lease is None or lease <= real_now[0]):
            with sessions() as other:  # what another process would see
                lease = other.scalars(
                    select(DueWork.lease_until).where(DueWork.key == "probe:0")
                ).one()
            time.sleep(0.01)
        leases.append(lease)

    add(sessions, 3)
    engine = Engine(sessions, registry, FakeNotifier(), real_clock=lambda: real_now[0])
    engine.concurrency = 2
    assert engine.run_due(T0).done == {"probe": 3}
    [lease] = leases
    assert lease is not None and lease > start + 2 * LEASE, "the lease ran out under the item"


def test_two_processes_take_each_of_1000_rows_once(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    add(sessions, 1000)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.engagement.claim_worker",
                database_url,
                str(tmp_path / f"w{n}.txt"),
                T0.isoformat(),
                "2",
            ],
            cwd=ROOT,
            env=env,
        )
        for n in range(2)
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    elapsed = time.perf_counter() - started
    handled = [(tmp_path / f"w{n}.txt").read_text().split("\n") for n in range(2)]
    counts = Counter(key for keys in handled for key in keys if key)
    print(
        f"\nclaim race {database_url.split(':')[0]}: per process "
        f"{[len(keys) for keys in handled]}, {elapsed:.2f}s"
    )
    assert all(len(keys) > 1 for keys in handled)  # both really took part
    assert len(counts) == 1000
    assert max(counts.values()) == 1
    with sessions() as session:
        states = session.scalars(select(DueWork.state)).all()
    assert Counter(states) == {WorkState.DONE: 1000}


@pytest.mark.parametrize("planned", [0, 3])
def test_planners_run_once_per_hour(sessions: sessionmaker[Session], planned: int) -> None:
    calls: list[datetime] = []
    registry = Registry()

    @registry.planner("probe")
    def plan(context: WorkContext) -> int:
        calls.append(context.now)
        return planned

    engine = Engine(sessions, registry, FakeNotifier())
    engine.run_due(T0)
    engine.run_due(T0 + timedelta(minutes=30))
    engine.run_due(T0 + timedelta(hours=1))
    assert calls == [T0, T0 + timedelta(hours=1)]


def test_a_slow_item_does_not_hold_up_the_rest(sessions: sessionmaker[Session]) -> None:
    """Workers free while one item waits (say, out a Retry-After) keep taking new work."""
    bind = sessions.kw["bind"]
    if bind.dialect.name == "sqlite":
        pytest.skip("SQLite runs one writing transaction at a time, so items cannot overlap")
    released = threading.Event()
    registry = Registry()
    seen: list[str] = []

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        if context.key == "probe:0":  # the slow one: waits until the last one has run
            assert released.wait(timeout=10), "the other items waited for the slow one"
        elif context.key == "probe:5":
            released.set()
        seen.append(context.key)

    add(sessions, 6)
    report = Engine(sessions, registry, FakeNotifier(), concurrency=2).run_due(T0)
    assert report.done == {"probe": 6}
    assert seen[-1] == "probe:0"


def test_on_shutdown_it_finishes_what_it_claimed_and_claims_no_more(
    sessions: sessionmaker[Session],
) -> None:
    seen: list[str] = []
    registry = Registry()
    engine = Engine(sessions, registry, FakeNotifier())

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        seen.append(context.key)
        engine.stopping.set()  # SIGTERM arrives while the first item runs

    add(sessions, 20)
    engine.run_due(T0)
    assert seen == ["probe:0", "probe:1"]  # the one running and the one already claimed
    with sessions() as session:
        states = Counter(session.scalars(select(DueWork.state)))
    assert states == {WorkState.DONE: 2, WorkState.DUE: 18}


def test_a_row_that_keeps_failing_is_failed_at_last_and_frees_its_stream(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("engagement.duework.engine.MAX_ATTEMPTS", 3)
    with transaction(sessions) as session:
        schedule(session, kind="probe", key="broken", due_at=T0, stream="person:1")
        schedule(session, kind="probe", key="next", due_at=T0, stream="person:1")
    seen: list[str] = []
    failures = {"broken": RuntimeError("a bug")}
    registry = Registry()

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        if context.key in failures:
            raise failures[context.key]
        seen.append(context.key)

    engine = Engine(sessions, registry, FakeNotifier())
    at = T0
    for _ in range(3):
        engine.run_due(at)
        at += timedelta(hours=1)
    assert seen == ["next"]  # held back while "broken" was still being retried
    with sessions() as session:
        broken = session.scalars(select(DueWork).where(DueWork.key == "broken")).one()
    assert (broken.state, broken.attempts) == (WorkState.FAILED, 3)
