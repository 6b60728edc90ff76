"""Profiles: time zones from Slack, refreshed weekly; e-mail addresses resolved to user IDs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engagement.duework.engine import Engine
from engagement.duework.registry import Registry
from engagement.models import Person
from engagement.notify import Profile
from engagement.people import refresh_profiles
from tests.factories import NOW, load_portfolio, portfolio
from tests.fakes import FakeNotifier


def engine_with(sessions: sessionmaker[Session], notifier: FakeNotifier) -> Engine:
    registry = Registry()
    registry.planner("people")(refresh_profiles)
    return Engine(sessions, registry, notifier)


def test_time_zones_come_from_slack_and_emails_resolve(sessions: sessionmaker[Session]) -> None:
    document = portfolio()
    document["accounts"][0]["sponsors"] = ["ada@example.com"]
    with sessions() as session:
        load_portfolio(session, document)
    notifier = FakeNotifier(profiles={
        "ada@example.com": Profile("U0ADA0001", "Ada", "Europe/London"),
        "U0SAM0001": Profile("U0SAM0001", "Sam One", "America/Chicago"),
    })  # fmt: skip
    engine_with(sessions, notifier).run_due(NOW)
    with sessions() as session:
        people = {p.display_name: p for p in session.scalars(select(Person))}
    assert people["Ada"].slack_user_id == "U0ADA0001"
    assert people["Ada"].timezone == "Europe/London"
    assert people["Sam One"].timezone == "America/Chicago"
    assert people["U0SAM0002"].timezone == "Europe/Berlin"  # unknown to Slack: account zone kept


def test_profiles_are_refreshed_weekly_not_hourly(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session)
    notifier = FakeNotifier(profiles={"U0SAM0001": Profile("U0SAM0001", "Sam", "Asia/Tokyo")})
    engine = engine_with(sessions, notifier)
    engine.run_due(NOW)
    notifier.profiles["U0SAM0001"] = Profile("U0SAM0001", "Sam", "Pacific/Auckland")
    engine.run_due(NOW + timedelta(hours=1))
    with sessions() as session:
        zone = session.scalars(select(Person.timezone).where(Person.slack_user_id == "U0SAM0001"))
        assert zone.one() == "Asia/Tokyo"
    engine.run_due(NOW + timedelta(days=7, hours=1))
    with sessions() as session:
        zone = session.scalars(select(Person.timezone).where(Person.slack_user_id == "U0SAM0001"))
        assert zone.one() == "Pacific/Auckland"
