"""Streams: the rows of one stream run one at a time, in the order they were first due."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from engagement import db
from engagement.db import transaction
from engagement.duework.engine import Engine, backoff
from engagement.duework.queue import claim, schedule
from engagement.duework.registry import Registry, WorkContext
from engagement.models import DueWork
from engagement.notify import Undeliverable
from tests.fakes import FakeNotifier

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
ROOT = Path(__file__).resolve().parents[2]


def probe_registry(seen: list[str], fail: dict[str, list[Exception]] | None = None) -> Registry:
    """A kind that records each key it ran, or raises the next error listed for it."""
    registry = Registry()

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        errors = (fail or {}).get(context.key)
        if errors:
            raise errors.pop(0)
        seen.append(context.key)

    return registry


@pytest.fixture
def sessions(engine: SqlEngine) -> sessionmaker[Session]:
    """Sessions that schedule the probe kind these tests run (an engine binds its own)."""
    return probe_registry([]).bind_sessions(db.session_factory(engine))


def add(
    sessions: sessionmaker[Session], key: str, due_at: datetime, stream: str | None = "person:1"
) -> None:
    with transaction(sessions) as session:
        assert schedule(session, kind="probe", key=key, due_at=due_at, stream=stream)


def states(sessions: sessionmaker[Session]) -> dict[str, tuple[str, int]]:
    with sessions() as session:
        rows = session.execute(select(DueWork.key, DueWork.state, DueWork.attempts)).all()
    return {key: (state, attempts) for key, state, attempts in rows}


@pytest.mark.parametrize("stream", ["person:1", None])
def test_a_retried_row_holds_back_the_later_rows_of_its_stream(
    sessions: sessionmaker[Session], stream: str | None
) -> None:
    add(sessions, "checkin", T0, stream)
    add(sessions, "nudge", T0 + MINUTE, stream)
    seen: list[str] = []
    down = [ConnectionError("Slack is down"), ConnectionError("Slack is down")]
    engine = Engine(sessions, probe_registry(seen, {"checkin": down}), FakeNotifier())
    engine.run_due(T0)  # fails: due again 30 s later
    engine.run_due(T0 + MINUTE)  # fails again: due again a minute later
    retry = T0 + MINUTE + backoff(2)
    engine.run_due(retry - timedelta(seconds=1))
    if stream is None:  # without a stream the later row overtakes the one in back-off
        assert seen == ["nudge"]
        return
    assert seen == []
    assert states(sessions) == {"checkin": ("due", 2), "nudge": ("due", 0)}
    engine.run_due(retry)
    assert seen == ["checkin", "nudge"]  # first-due order, in the same run
    assert states(sessions) == {"checkin": ("done", 2), "nudge": ("done", 0)}


def test_a_row_failed_for_good_does_not_hold_back_its_stream(
    sessions: sessionmaker[Session],
) -> None:
    add(sessions, "checkin", T0)
    add(sessions, "nudge", T0 + MINUTE)
    seen: list[str] = []
    gone = {"checkin": [Undeliverable("user_not_found")]}
    report = Engine(sessions, probe_registry(seen, gone), FakeNotifier()).run_due(T0 + MINUTE)
    assert (report.failed, seen) == (1, ["nudge"])
    assert states(sessions) == {"checkin": ("failed", 1), "nudge": ("done", 0)}


def test_a_row_first_due_later_does_not_hold_back_an_earlier_one(
    sessions: sessionmaker[Session],
) -> None:
    add(sessions, "expiry", T0 + timedelta(days=7))  # added first, due in a week
    add(sessions, "nudge", T0 + timedelta(days=2))
    add(sessions, "checkin", T0)
    seen: list[str] = []
    engine = Engine(sessions, probe_registry(seen), FakeNotifier())
    engine.run_due(T0)
    assert seen == ["checkin"]
    engine.run_due(T0 + timedelta(days=7))
    assert seen == ["checkin", "nudge", "expiry"]


def test_rows_of_different_streams_do_not_hold_each_other_back(
    sessions: sessionmaker[Session],
) -> None:
    add(sessions, "ann:checkin", T0, "person:1")
    add(sessions, "ann:nudge", T0 + MINUTE, "person:1")
    add(sessions, "bob:checkin", T0 + MINUTE, "person:2")
    add(sessions, "digest", T0 + MINUTE, None)
    seen: list[str] = []
    down = {"ann:checkin": [ConnectionError("timeout")]}
    Engine(sessions, probe_registry(seen, down), FakeNotifier()).run_due(T0 + MINUTE)
    assert sorted(seen) == ["bob:checkin", "digest"]
    assert states(sessions)["ann:nudge"] == ("due", 0)


def test_a_claim_takes_the_next_row_of_each_stream_and_no_more(
    sessions: sessionmaker[Session],
) -> None:
    for number in range(3):
        add(sessions, f"ann:{number}", T0 + number * MINUTE, "person:1")
        add(sessions, f"bob:{number}", T0 + number * MINUTE, "person:2")
    add(sessions, "plan", T0, None)
    now = datetime.now(UTC)
    as_of = T0 + timedelta(hours=1)

    def take(worker: str, real_now: datetime = now) -> list[str]:
        with transaction(sessions) as session:
            ids = claim(session, as_of=as_of, real_now=real_now, worker=worker, limit=10)
            return sorted(session.scalars(select(DueWork.key).where(DueWork.id.in_(ids))))

    assert take("a") == ["ann:0", "bob:0", "plan"]
    assert take("b") == []  # the next rows wait while the first ones run
    # worker a died: once its lease is over, b takes over the same rows, still not the next
    assert take("b", now + timedelta(minutes=6)) == ["ann:0", "bob:0", "plan"]


def test_a_row_added_in_front_of_a_running_one_waits_for_it(
    sessions: sessionmaker[Session],
) -> None:
    add(sessions, "nudge", T0 + MINUTE)
    now = datetime.now(UTC)
    with transaction(sessions) as session:
        assert len(claim(session, as_of=T0 + MINUTE, real_now=now, worker="a", limit=10)) == 1
    add(sessions, "late plan", T0)  # first due before the running one
    with transaction(sessions) as session:
        assert claim(session, as_of=T0 + MINUTE, real_now=now, worker="b", limit=10) == []
        later = now + timedelta(minutes=6)  # a died: the earlier row goes first, then its own
        [taken] = claim(session, as_of=T0 + MINUTE, real_now=later, worker="b", limit=10)
        assert session.get_one(DueWork, taken).key == "late plan"


def test_two_processes_never_run_two_rows_of_one_stream_at_once(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    """40 streams of 15 rows, added in random order, drained by two processes at once."""
    streams, per_stream = 40, 15
    rows = [(s, n) for s in range(streams) for n in range(per_stream)]
    random.Random(7).shuffle(rows)  # ids in no particular order: first due decides
    with transaction(sessions) as session:
        for s, n in rows:
            schedule(
                session,
                kind="probe",
                key=f"s{s}:{n:02d}",
                due_at=T0 - timedelta(hours=1) + n * MINUTE,
                stream=f"person:{s}",
            )
    postgres = database_url.startswith("postgresql")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.engagement.stream_worker",
                database_url,
                str(tmp_path / f"w{n}.txt"),
                T0.isoformat(),
                "2",
                "4" if postgres else "1",
            ],
            cwd=ROOT,
            env=env,
        )
        for n in range(2)
    ]
    assert [worker.wait(timeout=180) for worker in workers] == [0, 0]
    handled = [(tmp_path / f"w{n}.txt").read_text().splitlines() for n in range(2)]
    print(f"\nstream race: per process {[len(lines) for lines in handled]}")
    runs = [line.split() for lines in handled for line in lines]
    assert [run for run in runs if run[0] == "overlap"] == []
    assert all(len(lines) > 1 for lines in handled)  # both really took part
    assert Counter(key for key, *_ in runs) == {f"s{s}:{n:02d}": 1 for s, n in rows}
    for s in range(streams):
        ran = sorted((int(start), int(end), key) for key, stream, start, end in runs
                     if stream == f"person:{s}")  # fmt: skip
        assert [key for _, _, key in ran] == sorted(key for _, _, key in ran)  # first-due order
        assert all(ran[n][0] > ran[n - 1][1] for n in range(1, len(ran)))  # one at a time
    assert set(states(sessions).values()) == {("done", 0)}


def test_the_migrated_index_of_pending_rows_is_partial(engine: sqlalchemy.Engine) -> None:
    """Autogenerate does not compare an index's WHERE, so the migration is checked here."""
    query = {
        "sqlite": "SELECT sql FROM sqlite_master WHERE name = 'ix_due_work_pending'",
        "postgresql": "SELECT pg_get_indexdef('ix_due_work_pending'::regclass)",
    }[engine.dialect.name]
    with engine.connect() as connection:
        definition = str(connection.scalar(text(query)))
    index, _, where = definition.partition(" WHERE ")
    assert index.endswith("(due_at, id)")
    assert re.findall(r"'(\w+)'", where) == ["due", "claimed"]
