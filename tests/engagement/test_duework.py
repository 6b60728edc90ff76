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
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engagement import db
from engagement.db import transaction
from engagement.duework.engine import Engine, RunReport, backoff
from engagement.duework.queue import LEASE, Scheduled, claim, renew, schedule, schedule_all, take
from engagement.duework.registry import Registry, WorkContext
from engagement.models import DueWork, WorkState
from engagement.notify import Undeliverable
from engagement.places import Wait, waiting
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


@pytest.fixture
def sessions(engine: SqlEngine) -> sessionmaker[Session]:
    """Sessions that schedule the probe kind these tests run (an engine binds its own)."""
    return probe_registry([]).bind_sessions(db.session_factory(engine))


def skip_on_sqlite(sessions: sessionmaker[Session], why: str) -> None:
    if sessions.kw["bind"].dialect.name == "sqlite":
        pytest.skip(why)


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


def test_schedule_all_adds_only_the_rows_not_there_yet(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as session:
        schedule(session, kind="probe", key="a", due_at=T0)
        schedule_all(
            session,
            [
                Scheduled("probe", "a", T0 + timedelta(days=1), {"n": 1}),
                Scheduled("probe", "b", T0 + timedelta(hours=2), {"n": 2}),
            ],
        )
        schedule_all(session, [])
    with sessions() as session:
        rows = session.execute(select(DueWork.key, DueWork.due_at, DueWork.payload)).all()
    assert sorted(rows) == [("a", T0, {}), ("b", T0 + timedelta(hours=2), {"n": 2})]


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


def test_a_database_error_is_kept_and_logged_without_its_message(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL quotes the failing row in its message, which can be what someone typed."""
    add(sessions, 1)
    typed = "call me on 555-0100"
    failure = IntegrityError(
        "INSERT INTO notes (text) VALUES (?)", {"text": typed}, Exception(f"row ({typed})")
    )
    engine = Engine(sessions, probe_registry([], {"probe:0": failure}), FakeNotifier())
    assert engine.run_due(T0).retried == 1
    with sessions() as session:
        kept = session.scalars(select(DueWork.last_error)).one()
    assert kept == "IntegrityError (Exception) in: INSERT INTO notes (text) VALUES (?)"
    assert "due_work.retry" in caplog.text and typed not in caplog.text


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


def test_a_live_process_keeps_its_rows_however_long_an_item_takes(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The running row stays locked and the waiting ones are renewed: no one else takes any."""
    skip_on_sqlite(
        sessions, "SQLite runs one writing transaction at a time, so no one could take them"
    )
    monkeypatch.setattr("engagement.duework.engine.RENEW_EVERY", timedelta(milliseconds=20))
    real_now = [datetime.now(UTC)]
    stolen: list[int] = []
    registry = Registry()

    def leases_after(instant: datetime) -> bool:
        with sessions() as other:  # what another process would see
            waiting_leases = other.scalars(
                select(DueWork.lease_until).where(DueWork.key != "probe:0")
            ).all()
        return all(lease is not None and lease > instant for lease in waiting_leases)

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        if context.key != "probe:0":
            return
        real_now[0] += 2 * LEASE  # the item outlasts every lease taken at the start
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not leases_after(real_now[0]):
            time.sleep(0.01)
        with transaction(sessions) as other:
            stolen.extend(claim(other, as_of=T0, real_now=real_now[0], worker="c", limit=10))

    add(sessions, 3)
    engine = Engine(sessions, registry, FakeNotifier(), real_clock=lambda: real_now[0])
    assert engine.run_due(T0).done == {"probe": 3}
    assert stolen == []


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
    skip_on_sqlite(
        sessions, "SQLite runs one writing transaction at a time, so items cannot overlap"
    )
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


def test_a_run_outliving_its_lease_keeps_its_row_from_a_second_process(
    sessions: sessionmaker[Session],
) -> None:
    """The row is locked from the start of its run to the commit: no one runs it twice."""
    skip_on_sqlite(
        sessions, "SQLite's one writer makes the second process wait for the first to commit"
    )
    later = datetime.now(UTC) + timedelta(minutes=6)  # the first process's lease has run out
    registry = Registry()
    seen: list[str] = []
    reports: list[RunReport] = []

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        seen.append(context.key)
        if not reports:  # a second process takes its turn while this run is still going
            peer = Engine(
                sessions, registry, FakeNotifier(), worker="peer", real_clock=lambda: later
            )
            reports.append(peer.run_due(T0))

    add(sessions, 1)
    report = Engine(sessions, registry, FakeNotifier()).run_due(T0)
    assert seen == ["probe:0"]
    assert report.done == {"probe": 1} and reports[0].total == 0
    with sessions() as session:
        assert session.scalars(select(DueWork.state)).all() == [WorkState.DONE]


def test_a_failed_run_whose_row_another_process_took_meanwhile_is_left_to_it(
    sessions: sessionmaker[Session],
) -> None:
    """A run outlives its lease (Slack hung) and fails. Between its rollback, which unlocks
    the lapsed row, and the failure being written, another process claims the row and runs
    it: the row stays the other's, done, and nothing runs a second time."""
    later = datetime.now(UTC) + LEASE * 2  # when the first run ends, its lease has run out
    seen: list[str] = []
    failed: list[str] = []
    peer_reports: list[RunReport] = []
    registry = Registry()

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        if not failed:
            failed.append(context.key)
            raise ConnectionError("Slack hung")
        seen.append(context.key)

    peer = Engine(sessions, registry, FakeNotifier(), worker="peer", real_clock=lambda: later)

    def peer_takes_over(session: Session, *_: object) -> None:
        if failed and not peer_reports:  # the failed run's rollback, before it is written
            peer_reports.append(peer.run_due(T0))

    event.listen(sessions, "after_rollback", peer_takes_over)
    add(sessions, 1)
    report = Engine(sessions, registry, FakeNotifier()).run_due(T0)
    event.remove(sessions, "after_rollback", peer_takes_over)
    assert report.retried == 1 and peer_reports[0].done == {"probe": 1}
    with sessions() as session:
        row = session.scalars(select(DueWork)).one()
        assert (row.state, row.claimed_by, row.attempts) == (WorkState.DONE, "peer", 0)
    assert Engine(sessions, registry, FakeNotifier()).run_due(T0 + backoff(1)).total == 0
    assert seen == ["probe:0"]  # once


def test_a_worker_waiting_on_slack_lends_its_place(sessions: sessionmaker[Session]) -> None:
    """With one place, the second item runs while the first waits out a Retry-After."""
    skip_on_sqlite(
        sessions, "SQLite's one writer is the waiting worker's transaction: nobody stands in"
    )
    released = threading.Event()
    registry = Registry()
    seen: list[str] = []

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        if context.key == "probe:0":
            with waiting(Wait.RETRY):  # as the notifier does around Slack's Retry-After
                assert released.wait(timeout=10), "the other item waited for a free place"
        else:
            released.set()
        seen.append(context.key)

    add(sessions, 2)
    report = Engine(sessions, registry, FakeNotifier(), concurrency=1).run_due(T0)
    assert report.done == {"probe": 2}
    assert seen == ["probe:1", "probe:0"]


def test_with_one_place_items_run_one_at_a_time_in_claim_order(
    sessions: sessionmaker[Session],
) -> None:
    """Spare workers only stand in for waiting ones: with one place, order is kept."""
    seen: list[str] = []
    add(sessions, 12)
    Engine(sessions, probe_registry(seen), FakeNotifier(), concurrency=1).run_due(T0)
    assert seen == [f"probe:{number}" for number in range(12)]


def test_on_shutdown_it_finishes_what_it_claimed_and_claims_no_more(
    sessions: sessionmaker[Session],
) -> None:
    seen: list[str] = []
    registry = Registry()
    engine = Engine(sessions, registry, FakeNotifier())

    held: list[int] = []

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        seen.append(context.key)
        if not engine.stopping.is_set():  # SIGTERM arrives while the first item runs
            engine.stopping.set()
            claimed = select(DueWork.id).where(DueWork.state == WorkState.CLAIMED)
            held.append(1 + len(context.session.scalars(claimed).all()))  # and this one

    add(sessions, 20)
    engine.run_due(T0)
    assert 1 < held[0] < 20
    assert seen == [f"probe:{number}" for number in range(held[0])]  # what it held, no more
    with sessions() as session:
        states = Counter(session.scalars(select(DueWork.state)))
    assert states == {WorkState.DONE: held[0], WorkState.DUE: 20 - held[0]}


def test_renewing_leases_skips_a_row_being_run_instead_of_waiting_for_it(
    sessions: sessionmaker[Session],
) -> None:
    skip_on_sqlite(
        sessions, "SQLite has one writer: nothing runs beside a renewal to be waited for"
    )
    add(sessions, 3)
    start = datetime.now(UTC)
    with transaction(sessions) as session:
        ids = claim(session, as_of=T0, real_now=start, worker="me", limit=3)
    later = start + LEASE / 2
    with transaction(sessions) as running:  # a run in progress holds its row locked
        assert take(running, work_id=ids[0], worker="me", real_now=start) is not None
        with transaction(sessions) as session:
            session.execute(text("SET LOCAL lock_timeout = '2s'"))
            assert renew(session, worker="me", real_now=later) == 2
    with sessions() as session:
        leases = dict(session.execute(select(DueWork.id, DueWork.lease_until)).all())
    assert leases[ids[0]] is None  # done, committed by its run
    assert leases[ids[1]] == leases[ids[2]] == later + LEASE


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
