"""`export all` then `import-data` gives back every row of every table, exactly."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engagement.backup import export_all, import_all
from engagement.db import transaction
from engagement.duework.queue import schedule
from engagement.errors import Invalid
from engagement.models import (
    Account,
    Answer,
    CheckIn,
    Escalation,
    EscalationEvent,
    KeptWeek,
    Person,
    ProcessedRequest,
    ScoreChange,
)
from engagement.people import REFRESH
from engagement.scoring.evaluate import History, score_accounts
from engagement.scoring.indicators import everyone
from tests.conftest import fresh_postgres_url
from tests.factories import NOW, load_portfolio

AT = datetime(2026, 11, 23, 14, 30, 15, 123456, tzinfo=UTC)


def populate(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session)
    with transaction(sessions) as session:
        account = session.scalars(select(Account)).first()
        person = session.scalars(select(Person)).first()
        assert account and person
        checkin = CheckIn(
            account_id=account.id,
            person_id=person.id,
            role="sam",
            period_start=date(2026, 11, 23),
            due_at=AT,
            state="answered",
        )
        session.add(checkin)
        session.flush()
        session.add(
            Answer(
                checkin_id=checkin.id,
                revision=1,
                stakeholder_engagement=4,
                strategic_alignment=3,
                internal_advocacy=5,
                regular_checkins=2,
                role_balance=3,
                alignment_meeting_held=True,
                stakeholders_met=2,
                advocacy="Opened doors — “quoted”",
                note="ünïcode",
                submitted_at=AT,
                submitted_by=person.id,
            )
        )
        escalation = Escalation(
            account_id=account.id,
            raised_by=person.id,
            severity="high",
            summary="'; DROP TABLE x; --",
            created_at=AT,
            ack_deadline=AT,
        )
        session.add(escalation)
        session.flush()
        session.add(
            EscalationEvent(escalation_id=escalation.id, person_id=person.id, kind="raised", at=AT)
        )
        session.add(ProcessedRequest(key="event:Ev1", at=NOW))
        schedule(session, kind=REFRESH, key="probe:1", due_at=AT, payload={"people": [1, 2]})
    with transaction(sessions) as session:  # weeks kept by a digest, and changes logged
        score_accounts(session, everyone(), now=AT, history=History.KEEP)


def dump(sessions: sessionmaker[Session]) -> str:
    out = io.StringIO()
    with sessions() as session:
        export_all(session, out)
    return out.getvalue()


def test_round_trip_keeps_every_row(
    sessions: sessionmaker[Session],
    database_url: str,
    request: pytest.FixtureRequest,
    tmp_path: pytest.TempPathFactory,
) -> None:
    from engagement import db

    populate(sessions)
    with sessions() as session:
        derived = [session.scalar(select(func.count()).select_from(table))
                   for table in (KeptWeek, ScoreChange)]  # fmt: skip
    assert all(derived), "the source has kept weeks and logged changes"
    first = dump(sessions)
    assert '"kept_weeks"' not in first and '"score_changes"' not in first, (
        "worked out for each database: an import works them out again"
    )
    if database_url.startswith("sqlite"):
        target_url = f"sqlite:///{tmp_path}/copy.sqlite3"
        db.upgrade(target_url)
    else:
        target_url = fresh_postgres_url(request.getfixturevalue("postgres"))
    target = db.session_factory(db.make_engine(target_url))
    with transaction(target) as session:
        counts = import_all(session, io.StringIO(first))
    assert counts["answers"] == 1 and counts["people"] == 6
    assert dump(target) == first
    with transaction(target) as session:  # ids continue after the imported ones
        session.add(Person(slack_user_id="U0NEW0001", display_name="New", timezone="UTC"))
    with target() as session:
        ids = session.scalars(select(Person.id).order_by(Person.id)).all()
    assert ids[-1] == max(ids[:-1]) + 1
    with target() as session:
        settings_time = session.scalars(select(Account.checkin_time)).first()
    assert settings_time == time(9, 0)


def test_import_refuses_a_non_empty_database(sessions: sessionmaker[Session]) -> None:
    populate(sessions)
    exported = dump(sessions)
    with pytest.raises(Invalid, match="not empty"), transaction(sessions) as session:
        import_all(session, io.StringIO(exported))


def test_import_refuses_something_else(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(Invalid, match="not a Sherpa export"), transaction(sessions) as session:
        import_all(session, io.StringIO("hello\n"))
