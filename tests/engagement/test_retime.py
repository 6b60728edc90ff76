"""A new time zone moves everything pending to the new local time: check-ins, the day's
send, nudges and expiries; nothing done moves, nothing is sent twice or skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engagement.duework.engine import Engine
from engagement.models import CheckIn, CheckInState, DueWork, Person, WorkState
from engagement.notify import Profile
from engagement.people import REFRESH, profile_changed, refresh, refresh_profiles
from tests.factories import checkin_registry, load_portfolio
from tests.fakes import FakeNotifier

SUNDAY = datetime(2026, 11, 22, 12, tzinfo=UTC)
NEW_YORK_9 = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 09:00 in New York
SAM1 = "U0SAM0001"
BERLIN = Profile(SAM1, "Sam", "Europe/Berlin")


def rows_of(session: Session, kind: str) -> list[DueWork]:
    """SAM1's rows of a kind that are still to run."""
    stream = f"person:{sam1(session).id}"
    return list(
        session.scalars(
            select(DueWork).where(
                DueWork.kind == kind, DueWork.stream == stream, DueWork.state == WorkState.DUE
            )
        )
    )


def sam1(session: Session) -> Person:
    return session.scalars(select(Person).where(Person.slack_user_id == SAM1)).one()


def checkins(session: Session) -> list[CheckIn]:
    person = sam1(session)
    return list(
        session.scalars(
            select(CheckIn).where(CheckIn.person_id == person.id).order_by(CheckIn.due_at)
        )
    )


def test_nudge_expiry_and_next_weeks_checkin_move_but_the_sent_one_stays(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session, now=SUNDAY - timedelta(days=30))
    engine = Engine(sessions, checkin_registry(), FakeNotifier())
    engine.run_due(SUNDAY)
    engine.run_due(NEW_YORK_9)  # Monday's DM goes out, with its nudge and expiry
    engine.run_due(NEW_YORK_9 + timedelta(hours=1))  # next Monday is planned too
    tuesday = NEW_YORK_9 + timedelta(days=1)
    with sessions.begin() as session:
        assert profile_changed(session, BERLIN, tuesday)
    with sessions() as session:
        sent, upcoming = checkins(session)
        assert (sent.state, sent.due_at) == (CheckInState.SENT, NEW_YORK_9)
        assert upcoming.due_at == datetime(2026, 11, 30, 8, tzinfo=UTC)  # 09:00 Berlin
        assert upcoming.period_start == sent.period_start + timedelta(days=7)
        [nudge] = rows_of(session, "checkin.nudge")  # Wednesday 09:00 New York: now Berlin's
        assert nudge.due_at == nudge.scheduled_for == datetime(2026, 11, 25, 8, tzinfo=UTC)
        [expiry] = rows_of(session, "checkin.expire")
        assert expiry.due_at == datetime(2026, 11, 30, 8, tzinfo=UTC)
        pending = [r for r in rows_of(session, "checkin.send") if r.state == WorkState.DUE]
        assert [
            r.due_at for r in pending if r.key.startswith(f"checkin.send:{sam1(session).id}")
        ] == [datetime(2026, 11, 30, 8, tzinfo=UTC)]


def test_a_time_already_past_in_the_new_zone_is_due_at_once(
    sessions: sessionmaker[Session],
) -> None:
    """Monday noon UTC, SAM1 turns out to be in Tokyo, where 09:00 Monday has passed: the
    check-in goes now rather than not at all, and only once."""
    with sessions() as session:
        load_portfolio(session, now=SUNDAY - timedelta(days=30))
    notifier = FakeNotifier()
    engine = Engine(sessions, checkin_registry(), notifier)
    engine.run_due(SUNDAY)
    noon = datetime(2026, 11, 23, 12, tzinfo=UTC)
    with sessions.begin() as session:
        profile_changed(session, Profile(SAM1, "Sam", "Asia/Tokyo"), noon)
    with sessions() as session:
        assert checkins(session)[0].due_at == noon
    engine.run_due(noon)
    engine.run_due(NEW_YORK_9)
    assert [to for to, _, _ in notifier.posts].count(SAM1) == 1


def test_an_unknown_user_changes_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session, now=SUNDAY)
    with sessions.begin() as session:
        assert not profile_changed(session, Profile("U0STRANGER", "X", "Asia/Tokyo"), SUNDAY)


def test_the_weekly_look_up_moves_them_too(sessions: sessionmaker[Session]) -> None:
    """Seen on the weekly profile look-up rather than by the event: the same move."""
    with sessions() as session:
        load_portfolio(session, now=SUNDAY - timedelta(days=30))
    registry = checkin_registry()
    registry.planner("people.refresh_profiles", refresh_profiles)
    registry.kind(REFRESH, refresh)
    notifier = FakeNotifier(profiles={SAM1: BERLIN})
    Engine(sessions, registry, notifier).run_due(SUNDAY)  # planned in New York, then moved
    with sessions() as session:
        assert sam1(session).timezone == "Europe/Berlin"
        assert [c.due_at for c in checkins(session)] == [datetime(2026, 11, 23, 8, tzinfo=UTC)]
        [send] = rows_of(session, "checkin.send")
        assert send.due_at == datetime(2026, 11, 23, 8, tzinfo=UTC)


def test_a_zone_that_is_no_iana_name_is_not_taken(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session, now=SUNDAY - timedelta(days=30))
    Engine(sessions, checkin_registry(), FakeNotifier()).run_due(SUNDAY)
    with sessions.begin() as session:
        assert profile_changed(session, Profile(SAM1, "Sam", "Mars/Olympus_Mons"), SUNDAY)
    with sessions() as session:
        assert sam1(session).timezone == "America/New_York"
        assert checkins(session)[0].due_at == NEW_YORK_9
