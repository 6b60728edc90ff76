"""The introduction against a concurrent profile look-up: one DM, whatever the timing."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from engagement.checkins.introduction import INTRODUCE, introduce_newcomers
from engagement.checkins.messages import Introduction
from engagement.db import transaction
from engagement.duework.engine import Engine, backoff
from engagement.duework.registry import WorkContext
from engagement.models import DueWork, Person
from engagement.notify import Profile
from engagement.people import REFRESH, refresh
from tests.factories import NOW, checkin_registry, load_portfolio, person_id
from tests.fakes import FakeNotifier

SAM, SPONSOR = "U0SAM0001", "U0SPN0001"


def _lock_waiters(sessions: sessionmaker[Session]) -> int:
    """Backends of this database waiting for a row lock held by another transaction."""
    with sessions() as session:
        return int(
            session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            )
            or 0
        )


@dataclass
class _SlowLookUps(FakeNotifier):
    """A look-up of `slow` waits until another transaction is held up by a row lock."""

    sessions: sessionmaker[Session] | None = None
    slow: str = ""
    reached: threading.Event = field(default_factory=threading.Event)

    def profile(
        self, *, user_id: str | None = None, email: str | None = None, wait: bool = True
    ) -> Profile | None:
        if user_id == self.slow:
            self.reached.set()
            deadline = time.monotonic() + 10
            assert self.sessions is not None
            while not _lock_waiters(self.sessions) and time.monotonic() < deadline:
                threading.Event().wait(0.01)  # polling another connection's state
        return super().profile(user_id=user_id, email=email, wait=wait)


def test_a_look_up_beside_the_introduction_being_sent_does_not_make_it_go_twice(
    sessions: sessionmaker[Session],
) -> None:
    """A weekly look-up of someone whose introduction is being sent, as after a Slack
    outage, when the look-ups of two hours overlap: the look-up changes the person (a new
    time zone) while the introduction posts and then marks them introduced, and it queues
    their introduction again (already queued: nothing to add). Neither may wait for the
    other in a cycle: the transaction PostgreSQL would abort to break the deadlock can be
    the introduction's, after Slack took its DM, and its retry then sends it again."""
    if sessions.kw["bind"].dialect.name == "sqlite":
        pytest.skip("SQLite runs one writing transaction at a time: no two can deadlock")
    with sessions() as session:
        load_portfolio(session)
    Engine(sessions, checkin_registry(), FakeNotifier()).run_due(NOW)  # check-ins planned
    with transaction(sessions) as session:
        sam, sponsor = person_id(session, SAM), person_id(session, SPONSOR)
        session.execute(  # looked up a week ago: due a look-up again, not introduced yet
            update(Person)
            .where(Person.id.in_([sam, sponsor]))
            .values(timezone_checked_at=NOW - timedelta(days=8))
        )
        introduce_newcomers(session, now=NOW, people=[sam])
    with sessions() as session:
        assert session.scalar(select(DueWork.id).where(DueWork.key == f"{INTRODUCE}:{sam}"))

    look_ups = _SlowLookUps(
        sessions=sessions,
        slow=SPONSOR,
        profiles={
            SAM: Profile(SAM, "Sam", "America/Chicago"),  # a new zone: Sam's row is written
            SPONSOR: Profile(SPONSOR, "Spencer", "America/New_York"),
        },
    )
    failures: list[BaseException] = []

    def look_up() -> None:
        try:
            with transaction(sessions) as session:
                refresh(
                    WorkContext(
                        session=session,
                        now=NOW,
                        notifier=look_ups,
                        kind=REFRESH,
                        key=f"{REFRESH}:test",
                        payload={"people": [sam, sponsor]},
                        attempts=0,
                    )
                )
        except BaseException as error:  # the test thread reports it
            failures.append(error)

    looking = threading.Thread(target=look_up)
    looking.start()
    assert look_ups.reached.wait(timeout=10)  # Sam's row written, the transaction still open
    slack = FakeNotifier()
    engine = Engine(sessions, checkin_registry(), slack)
    engine.run_due(NOW)  # the introduction, while the look-up's transaction goes on
    looking.join(timeout=30)
    assert not looking.is_alive() and not failures, failures
    engine.run_due(NOW + backoff(1))  # and whatever is to be retried

    to_sam = [message for to, message in slack.messages_of(Introduction) if to == SAM]
    assert len(to_sam) == 1
    with sessions() as session:
        assert session.get_one(Person, sam).introduced_at is not None
