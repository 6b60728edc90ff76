"""Request keys: a second request with a key already recorded writes nothing; keys go
after a day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.root import wire
from engagement import db, replays
from engagement.duework.registry import WorkContext
from engagement.models import ProcessedRequest
from tests.factories import NOW
from tests.fakes import FakeNotifier


def test_a_known_key_rolls_back_what_its_transaction_wrote(
    sessions: sessionmaker[Session],
) -> None:
    key = replays.request_key("trigger", "12345.67890.abcdef")
    with db.transaction(sessions) as session:
        replays.record(session, key, NOW)
        session.add(ProcessedRequest(key="work:first", at=NOW))
    with pytest.raises(replays.Replayed), db.transaction(sessions) as session:
        session.add(ProcessedRequest(key="work:second", at=NOW))
        replays.record(session, key, NOW)
    with sessions() as session:
        assert sorted(session.scalars(select(ProcessedRequest.key))) == [key, "work:first"]


def test_a_key_is_bounded_whatever_the_request_sent() -> None:
    assert len(replays.request_key("trigger", "x" * 10_000)) <= 120
    assert replays.request_key("trigger", "a") != replays.request_key("trigger", "b")


def test_keys_older_than_a_day_are_pruned_by_the_hourly_planning(
    sessions: sessionmaker[Session],
) -> None:
    with db.transaction(sessions) as session:
        replays.record(session, "trigger:old", NOW - timedelta(days=1, minutes=1))
        replays.record(session, "trigger:recent", NOW - timedelta(hours=23))
    registry = wire().due_work
    assert registry.planners["requests.prune"] is replays.prune
    with db.transaction(sessions) as session:
        context = WorkContext(session, NOW, FakeNotifier(), "plan", "plan", {}, 0)
        registry.planners["requests.prune"](context)
    with sessions() as session:
        assert list(session.scalars(select(ProcessedRequest.key))) == ["trigger:recent"]
