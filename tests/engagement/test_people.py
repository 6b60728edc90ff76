"""Profiles: time zones from Slack, refreshed weekly; e-mail addresses resolved to user IDs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engagement.duework.engine import Engine
from engagement.duework.registry import Registry
from engagement.models import DueWork, Person, WorkState
from engagement.notify import DeliveryError, Profile
from engagement.people import CHUNK, PIECE_EVERY, REFRESH, refresh, refresh_profiles
from slack_emulator.ratelimit import LOOKUP_TIERS
from tests.factories import NOW, load_portfolio, portfolio
from tests.fakes import FakeNotifier


def test_a_planning_runs_pieces_fall_due_one_after_another_within_slacks_tiers(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("engagement.people.CHUNK", 2)
    with sessions() as session:
        load_portfolio(session)  # six people: three pieces
    notifier = FakeNotifier()
    engine_with(sessions, notifier).run_due(NOW)
    with sessions() as session:
        due = session.scalars(select(DueWork.due_at).where(DueWork.kind == REFRESH)).all()
    assert sorted(due) == [NOW, NOW + PIECE_EVERY, NOW + 2 * PIECE_EVERY]
    assert len(notifier.lookups) == 2  # the first piece only, for now


def test_the_look_ups_pace_stays_within_slacks_tiers() -> None:
    per_minute = CHUNK * (timedelta(minutes=1) / PIECE_EVERY)
    assert per_minute <= min(LOOKUP_TIERS.values())


def engine_with(sessions: sessionmaker[Session], notifier: FakeNotifier) -> Engine:
    registry = Registry()
    registry.planner("people")(refresh_profiles)
    registry.kind(REFRESH)(refresh)
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


class FailingFor(FakeNotifier):
    """Slack failing the look-up of one person."""

    def __init__(self, user_id: str) -> None:
        super().__init__()
        self.failing = user_id

    def profile(
        self, *, user_id: str | None = None, email: str | None = None, wait: bool = True
    ) -> Profile | None:
        if user_id == self.failing:
            raise DeliveryError("slack_unavailable")
        return Profile(user_id or "U0NEW0001", "Someone", "Asia/Tokyo")


def test_look_ups_go_in_pieces_and_a_failed_piece_alone_is_retried(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("engagement.people.CHUNK", 2)
    with sessions() as session:
        load_portfolio(session)  # six people
    notifier = FailingFor("U0SAM0002")
    engine = engine_with(sessions, notifier)
    assert engine.run_due(NOW).done == {"plan": 1, REFRESH: 1}
    report = engine.run_due(NOW + 2 * PIECE_EVERY)
    assert report.done == {REFRESH: 1} and report.retried == 1
    with sessions() as session:
        unchecked = dict(
            session.execute(
                select(Person.id, Person.slack_user_id).where(Person.timezone_checked_at.is_(None))
            ).all()
        )
        retry = session.scalars(select(DueWork).where(DueWork.state == WorkState.DUE)).one()
    assert "U0SAM0002" in unchecked.values()
    assert sorted(unchecked) == sorted(retry.payload["people"])  # the others are committed
    assert retry.attempts == 1
