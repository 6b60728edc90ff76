"""What the due-work engine does when Slack refuses until someone acts, on both databases:
a channel's work waits (retried hourly, the admins told once a day per channel, *Retry
now*); a refused token stops every run from claiming, with nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engagement import channels, db, sending
from engagement.db import transaction
from engagement.duework.engine import Engine
from engagement.duework.queue import schedule
from engagement.duework.registry import Registry, WorkContext
from engagement.models import DueWork, WorkState
from engagement.notify import ChannelUnavailable, SendingStopped
from tests.fakes import FakeNotifier

T0 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
ADMINS = frozenset({"U0ADMIN01", "U0ADMIN02"})


def registry(refusals: dict[str, Exception]) -> Registry:
    """`post` rows raise what `refusals` says for their key while it is there."""
    found = Registry()
    channels.register(found)
    sending.register(found)

    @found.kind("post")
    def post(context: WorkContext) -> None:
        if context.key in refusals:
            raise refusals[context.key]

    return found


@pytest.fixture
def refusals() -> dict[str, Exception]:
    return {}


@pytest.fixture
def sessions(engine: SqlEngine, refusals: dict[str, Exception]) -> sessionmaker[Session]:
    return registry(refusals).bind_sessions(db.session_factory(engine))


def run(sessions: sessionmaker[Session], refusals: dict[str, Exception], at: datetime) -> Engine:
    engine = Engine(sessions, registry(refusals), FakeNotifier(), admins=ADMINS)
    engine.run_due(at)
    return engine


def rows(sessions: sessionmaker[Session]) -> dict[str, tuple[str, datetime, int]]:
    with sessions() as session:
        found = session.scalars(select(DueWork)).all()
        return {row.key: (row.state, row.due_at, row.attempts) for row in found}


def test_a_refusing_channel_holds_its_work_hourly_and_tells_each_admin_once_a_day(
    sessions: sessionmaker[Session], refusals: dict[str, Exception]
) -> None:
    refusals["post:1"] = ChannelUnavailable("#exec", "channel_not_found")
    with transaction(sessions) as session:
        schedule(session, kind="post", key="post:1", due_at=T0)
    notifier = FakeNotifier()
    Engine(sessions, registry(refusals), notifier, admins=ADMINS).run_due(T0)
    held = rows(sessions)["post:1"]
    assert held == (WorkState.DUE, datetime(2026, 11, 23, 10, tzinfo=UTC), 0)
    told = notifier.messages_of(channels.ChannelNeedsAction)
    assert sorted(to for to, _ in told) == sorted(ADMINS)
    assert {(m.channel, m.reason, m.waiting) for _, m in told} == {
        ("#exec", "channel_not_found", 1)
    }

    for hour in range(1, 15):  # until 23:00: tried each hour, never failed, told once
        Engine(sessions, registry(refusals), notifier, admins=ADMINS).run_due(
            T0 + timedelta(hours=hour)
        )
    assert rows(sessions)["post:1"][0] == WorkState.DUE and rows(sessions)["post:1"][2] == 0
    assert len(notifier.messages_of(channels.ChannelNeedsAction)) == 2
    Engine(sessions, registry(refusals), notifier, admins=ADMINS).run_due(T0 + timedelta(days=1))
    assert len(notifier.messages_of(channels.ChannelNeedsAction)) == 4  # a new day

    del refusals["post:1"]  # invited
    now = T0 + timedelta(days=1, minutes=5)
    with transaction(sessions) as session:
        with pytest.raises(Exception, match="Only Sherpa's admins"):
            channels.retry(session, channel="#exec", is_admin=False, now=now)
        assert channels.retry(session, channel="#exec", is_admin=True, now=now) == 1
        assert channels.retry(session, channel="#ex", is_admin=True, now=now) == 0
    run(sessions, refusals, now)
    assert rows(sessions)["post:1"][0] == WorkState.DONE


def test_a_refused_token_stops_the_run_and_every_later_one_until_resumed(
    sessions: sessionmaker[Session], refusals: dict[str, Exception]
) -> None:
    refusals["post:0"] = SendingStopped("token_revoked")
    with transaction(sessions) as session:
        for n in range(5):
            schedule(session, kind="post", key=f"post:{n}", due_at=T0)
    allowed: list[bool] = [True]
    engine = Engine(sessions, registry(refusals), FakeNotifier(), may_send=lambda: allowed[0])
    report = engine.run_due(T0)
    assert report.total < 5 and report.failed == 0  # the run stopped claiming
    with sessions() as session:
        stop = sending.stopped(session)
        assert stop is not None and (stop.reason, stop.since) == ("token_revoked", T0)
    assert rows(sessions)["post:0"] == (WorkState.DUE, T0, 0)

    allowed[0] = False  # the probe says Slack still refuses
    assert engine.run_due(T0 + timedelta(minutes=1)).total == 0
    assert [state for state, _, _ in rows(sessions).values()].count(WorkState.DONE) == report.total

    del refusals["post:0"]
    allowed[0] = True
    with transaction(sessions) as session:
        assert sending.resume(session) and not sending.resume(session)
    engine.run_due(T0 + timedelta(minutes=2))
    assert all(state == WorkState.DONE for state, _, _ in rows(sessions).values())
