"""Planning and delivery through the due-work engine: one DM a day, pause, nudge, expiry."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from engagement.checkins.messages import CheckinNudge, CheckinPrompt, ItemStatus
from engagement.checkins.pausing import pause, resume
from engagement.checkins.planner import plan_checkins
from engagement.checkins.responses import remind_tomorrow, skip
from engagement.duework.engine import Engine, RunReport
from engagement.errors import Conflict
from engagement.models import CheckIn, CheckInState, DueWork, Person
from tests.factories import actor, checkin_registry, load_portfolio, portfolio
from tests.fakes import FakeNotifier

T0 = datetime(2026, 11, 22, 12, tzinfo=UTC)  # Sunday noon UTC
ACME_DUE = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 09:00 in New York (EST)
SAM1 = "U0SAM0001"  # Acme's SAM, in New York


def run(sessions: sessionmaker[Session], notifier: FakeNotifier, at: datetime) -> RunReport:
    return Engine(sessions, checkin_registry(), notifier).run_due(at)


def run_daily(
    sessions: sessionmaker[Session], notifier: FakeNotifier, start: datetime, end: datetime
) -> None:
    at = start
    while at <= end:
        run(sessions, notifier, at)
        at += timedelta(days=1)


def checkins_of(session: Session, user_id: str) -> list[CheckIn]:
    return list(
        session.scalars(
            select(CheckIn)
            .join(Person, Person.id == CheckIn.person_id)
            .where(Person.slack_user_id == user_id)
            .order_by(CheckIn.period_start, CheckIn.account_id)
        )
    )


def prompts_to(notifier: FakeNotifier, user_id: str) -> list[CheckinPrompt]:
    return [m for to, m in notifier.messages_of(CheckinPrompt) if to == user_id]  # type: ignore[misc]


def nudges_to(notifier: FakeNotifier, user_id: str) -> list[Any]:
    return [m for to, m in notifier.messages_of(CheckinNudge) if to == user_id]


def the_checkin(sessions: sessionmaker[Session], user_id: str = SAM1) -> CheckIn:
    with sessions() as session:
        return checkins_of(session, user_id)[0]


@pytest.fixture
def loaded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions() as session:
        load_portfolio(session, now=T0 - timedelta(days=30))
    return sessions


def test_each_recipient_is_planned_at_their_local_time_once(loaded: sessionmaker[Session]) -> None:
    run(loaded, FakeNotifier(), T0)
    with loaded() as session:
        due = {
            user: [(c.period_start, c.due_at) for c in checkins_of(session, user)]
            for user in ("U0SAM0001", "U0SAM0002", "U0SAM0003")
        }
        count = session.scalar(select(func.count()).select_from(CheckIn))
        sends = session.scalar(
            select(func.count()).select_from(DueWork).where(DueWork.kind == "checkin.send")
        )
    monday, next_monday = date(2026, 11, 23), date(2026, 11, 30)
    assert due["U0SAM0001"] == [(monday, ACME_DUE)]  # 09:00 New York
    assert due["U0SAM0002"] == [  # 09:00 Berlin
        (monday, datetime(2026, 11, 23, 8, tzinfo=UTC)),
        (next_monday, datetime(2026, 11, 30, 8, tzinfo=UTC)),
    ]
    assert due["U0SAM0003"] == [  # 09:00 Tokyo, Sunday midnight UTC
        (monday, datetime(2026, 11, 23, 0, tzinfo=UTC)),
        (next_monday, datetime(2026, 11, 30, 0, tzinfo=UTC)),
    ]
    assert count == 10 and sends == 10  # six people; Berlin and Tokyo twice within 8 days
    run(loaded, FakeNotifier(), T0 + timedelta(minutes=30))
    with loaded() as session:
        assert plan_checkins(session, now=T0) == 0
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 10


def test_several_accounts_due_the_same_day_make_one_dm(sessions: sessionmaker[Session]) -> None:
    document = portfolio()
    document["accounts"][1]["sam"] = SAM1  # also SAM of Globex, at 11:00 in their own zone
    document["accounts"][1]["checkins"] = {"cadence": "weekly", "weekday": "mon", "time": "11:00"}
    with sessions() as session:
        load_portfolio(session, document, now=T0 - timedelta(days=30))
    notifier = FakeNotifier()
    run(sessions, notifier, ACME_DUE)
    prompts = prompts_to(notifier, SAM1)
    assert len(prompts) == 1
    assert [item.account_name for item in prompts[0].items] == ["Acme Corp", "Globex"]
    with sessions() as session:
        rows = [c for c in checkins_of(session, SAM1) if c.period_start == date(2026, 11, 23)]
    assert len(rows) == 2
    assert {row.state for row in rows} == {CheckInState.SENT}
    assert len({(row.message_channel, row.message_ts) for row in rows}) == 1
    run(sessions, notifier, ACME_DUE + timedelta(hours=3))  # Globex's own time passes
    assert len(prompts_to(notifier, SAM1)) == 1


def test_a_dm_costs_four_statements_whatever_it_lists(sessions: sessionmaker[Session]) -> None:
    """Take the row, read the check-ins, mark them sent, add their follow-ups: no N+1."""
    document = portfolio()
    document["accounts"][1]["sam"] = SAM1  # SAM1's DM lists two check-ins
    with sessions() as session:
        load_portfolio(session, document, now=T0 - timedelta(days=30))
    notifier = FakeNotifier()
    run(sessions, notifier, T0)  # planning
    statements: list[str] = []
    main = threading.get_ident()

    def count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() != main and not statement.startswith("BEGIN"):
            statements.append(statement)  # the workers' statements, not the claims

    sends_only = checkin_registry()
    sends_only.planners.clear()  # the hour's planning is not part of a DM
    bind = sessions.kw["bind"]
    event.listen(bind, "before_cursor_execute", count)
    try:
        Engine(sessions, sends_only, notifier).run_due(ACME_DUE + timedelta(hours=3))
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert len(prompts_to(notifier, SAM1)[0].items) == 2
    assert len(notifier.posts) >= 2
    assert len(statements) == 4 * len(notifier.posts)


def test_a_check_in_added_after_the_days_dm_still_goes_out(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session, now=T0 - timedelta(days=30))
    notifier = FakeNotifier()
    run(sessions, notifier, ACME_DUE)
    document = portfolio()
    document["accounts"].append({
        "name": "Initech", "sam": SAM1, "sponsors": ["U0SPN0009"], "channel": "#initech",
        "checkins": {"cadence": "weekly", "weekday": "mon", "time": "15:00"},
    })  # fmt: skip
    with sessions() as session:
        load_portfolio(session, document, now=ACME_DUE)
    run(sessions, notifier, ACME_DUE + timedelta(hours=1))
    run(sessions, notifier, datetime(2026, 11, 23, 20, tzinfo=UTC))  # 15:00 New York
    prompts = prompts_to(notifier, SAM1)
    assert [[item.account_name for item in p.items] for p in prompts] == [
        ["Acme Corp"],
        ["Initech"],
    ]


def test_pause_sends_nothing_until_the_date_and_no_burst_after(
    loaded: sessionmaker[Session],
) -> None:
    notifier = FakeNotifier()
    run(loaded, notifier, T0)  # planned ahead already
    with loaded() as session:
        state = pause(session, actor=actor(session, SAM1), until=date(2026, 12, 14), now=T0)
        session.commit()
    assert state.paused_until == date(2026, 12, 14)
    run_daily(loaded, notifier, T0 + timedelta(hours=3), datetime(2026, 12, 16, 15, tzinfo=UTC))
    assert [p.day for p in prompts_to(notifier, SAM1)] == [date(2026, 12, 14)]
    assert len(prompts_to(notifier, "U0SPN0001")) == 4  # the sponsor was not paused
    with loaded() as session:
        assert next(c.period_start for c in checkins_of(session, SAM1)) == date(2026, 12, 14)


def test_resume_brings_only_future_check_ins(loaded: sessionmaker[Session]) -> None:
    notifier = FakeNotifier()
    with loaded() as session:
        pause(session, actor=actor(session, SAM1), until=date(2027, 1, 31), now=T0)
        session.commit()
    run_daily(loaded, notifier, T0, datetime(2026, 12, 9, 15, tzinfo=UTC))
    with loaded() as session:
        assert resume(session, actor=actor(session, SAM1), now=T0).paused_until is None
        session.commit()
    run_daily(
        loaded, notifier, datetime(2026, 12, 10, 15, tzinfo=UTC), datetime(2026, 12, 15, tzinfo=UTC)
    )
    assert [p.day for p in prompts_to(notifier, SAM1)] == [date(2026, 12, 14)]


def test_exactly_one_nudge_after_48_hours(loaded: sessionmaker[Session]) -> None:
    notifier = FakeNotifier()
    run(loaded, notifier, ACME_DUE)
    run(loaded, notifier, ACME_DUE + timedelta(hours=47, minutes=59))
    assert nudges_to(notifier, SAM1) == []
    run(loaded, notifier, ACME_DUE + timedelta(hours=48))
    run(loaded, notifier, ACME_DUE + timedelta(hours=72))
    run(loaded, notifier, ACME_DUE + timedelta(days=6))
    nudges = nudges_to(notifier, SAM1)
    assert len(nudges) == 1
    assert [item.account_name for item in nudges[0].items] == ["Acme Corp"]
    assert the_checkin(loaded).state == CheckInState.NUDGED


def test_unanswered_expires_after_seven_days_and_the_dm_says_so(
    loaded: sessionmaker[Session],
) -> None:
    notifier = FakeNotifier()
    run(loaded, notifier, ACME_DUE)
    run(loaded, notifier, ACME_DUE + timedelta(days=6, hours=23))
    assert the_checkin(loaded).state == CheckInState.NUDGED
    run(loaded, notifier, ACME_DUE + timedelta(days=7))
    checkin = the_checkin(loaded)
    assert checkin.state == CheckInState.EXPIRED
    (message,) = [
        m for w, m in notifier.updates if w == (checkin.message_channel, checkin.message_ts)
    ]
    assert isinstance(message, CheckinPrompt)
    assert [item.status for item in message.items] == [ItemStatus.EXPIRED]


def test_skip_is_recorded_as_a_skip_not_a_miss(loaded: sessionmaker[Session]) -> None:
    notifier = FakeNotifier()
    run(loaded, notifier, ACME_DUE)
    checkin = the_checkin(loaded)
    with loaded() as session:
        dm = skip(session, actor=actor(session, SAM1), checkin_id=checkin.id, now=ACME_DUE)
        session.commit()
    assert dm is not None and [i.status for i in dm.message.items] == [ItemStatus.SKIPPED]
    run(loaded, notifier, ACME_DUE + timedelta(days=8))
    assert the_checkin(loaded).state == CheckInState.SKIPPED
    assert nudges_to(notifier, SAM1) == []


def test_remind_me_tomorrow_moves_it_once_to_the_same_local_time(
    loaded: sessionmaker[Session],
) -> None:
    notifier = FakeNotifier()
    run(loaded, notifier, ACME_DUE)
    checkin_id = the_checkin(loaded).id
    with loaded() as session:
        later = remind_tomorrow(
            session, actor=actor(session, SAM1), checkin_id=checkin_id, now=ACME_DUE
        )
        session.commit()
    tomorrow = datetime(2026, 11, 24, 14, tzinfo=UTC)
    assert later.remind_at == tomorrow
    assert later.dm is not None and later.dm.message.items[0].status is ItemStatus.POSTPONED
    with loaded() as session, pytest.raises(Conflict, match="only once"):
        remind_tomorrow(session, actor=actor(session, SAM1), checkin_id=checkin_id, now=ACME_DUE)
    run(loaded, notifier, tomorrow - timedelta(minutes=1))
    assert len(prompts_to(notifier, SAM1)) == 1
    run(loaded, notifier, tomorrow)
    prompts = prompts_to(notifier, SAM1)
    assert len(prompts) == 2 and prompts[1].items[0].checkin_id == checkin_id
    assert prompts[1].items[0].status is ItemStatus.PENDING
    with loaded() as session, pytest.raises(Conflict, match="only once"):
        remind_tomorrow(session, actor=actor(session, SAM1), checkin_id=checkin_id, now=tomorrow)
    run(loaded, notifier, ACME_DUE + timedelta(hours=49))  # the original nudge time: moved
    assert nudges_to(notifier, SAM1) == []
    run(loaded, notifier, tomorrow + timedelta(hours=48))
    run(loaded, notifier, tomorrow + timedelta(hours=100))
    assert len(nudges_to(notifier, SAM1)) == 1
    run(loaded, notifier, ACME_DUE + timedelta(days=7))  # expiry did not move
    assert the_checkin(loaded).state == CheckInState.EXPIRED


def test_a_person_without_a_slack_id_waits_and_is_sent_once_resolved(
    sessions: sessionmaker[Session],
) -> None:
    document = portfolio()
    document["accounts"][0]["sponsors"] = ["ada@example.com"]
    with sessions() as session:
        load_portfolio(session, document, now=T0 - timedelta(days=30))
    notifier = FakeNotifier()
    report = run(sessions, notifier, ACME_DUE)
    assert report.retried == 1
    with sessions() as session:
        ada = session.scalars(select(Person).where(Person.email == "ada@example.com")).one()
        checkin = session.scalars(select(CheckIn).where(CheckIn.person_id == ada.id)).first()
        assert checkin is not None and checkin.state == CheckInState.DUE
        ada.slack_user_id = "U0ADA0001"  # the profile refresh resolved the e-mail
        session.commit()
    run(sessions, notifier, ACME_DUE + timedelta(hours=1))
    assert len(prompts_to(notifier, "U0ADA0001")) == 1
    with sessions() as session:
        states = session.scalars(
            select(CheckIn.state).where(CheckIn.person_id == ada.id).order_by(CheckIn.period_start)
        ).all()
        assert states == [CheckInState.SENT, CheckInState.DUE]  # next week's is planned


def test_a_person_never_reached_has_the_check_in_expire(sessions: sessionmaker[Session]) -> None:
    document = portfolio()
    document["accounts"][0]["sponsors"] = ["ada@example.com"]
    with sessions() as session:
        load_portfolio(session, document, now=T0 - timedelta(days=30))
    notifier = FakeNotifier()
    run(sessions, notifier, ACME_DUE)
    run(sessions, notifier, ACME_DUE + timedelta(days=7, hours=2))
    with sessions() as session:
        ada = session.scalars(select(Person).where(Person.email == "ada@example.com")).one()
        states = session.scalars(
            select(CheckIn.state).where(CheckIn.person_id == ada.id).order_by(CheckIn.period_start)
        ).all()
    assert states[0] == CheckInState.EXPIRED  # 23 November: never reached, counted as missed
    assert states[1] == CheckInState.DUE  # 30 November: still in time, waiting for a user ID


def test_planning_is_set_based(loaded: sessionmaker[Session]) -> None:
    """A few statements whatever the portfolio size (the 50k benchmark is separate)."""
    with loaded() as session:
        started = time.perf_counter()
        assert plan_checkins(session, now=T0) == 10
        assert time.perf_counter() - started < 5


class SlowNotifier(FakeNotifier):
    """Slack taking a moment over each post, so two deliveries overlap."""

    def post(self, to: str, message: Any, *, thread_ts: str | None = None) -> Any:
        time.sleep(0.3)
        return super().post(to, message, thread_ts=thread_ts)


def test_two_nudge_rows_of_one_person_at_once_make_one_reminder(
    sessions: sessionmaker[Session],
) -> None:
    if sessions.kw["bind"].dialect.name == "sqlite":
        pytest.skip("SQLite runs one writing transaction at a time, so rows cannot overlap")
    document = portfolio()
    document["accounts"][1]["sam"] = SAM1  # two check-ins in one DM: two nudge rows
    with sessions() as session:
        load_portfolio(session, document, now=T0 - timedelta(days=30))
    notifier = SlowNotifier()
    run(sessions, notifier, ACME_DUE)
    engine = Engine(sessions, checkin_registry(), notifier, concurrency=2)
    engine.run_due(ACME_DUE + timedelta(hours=60))
    [reminder] = nudges_to(notifier, SAM1)
    assert sorted(item.account_name for item in reminder.items) == ["Acme Corp", "Globex"]
