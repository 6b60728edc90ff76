"""Alerting and the deadline ladder, through the due-work engine, with explicit instants."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engagement.db import transaction
from engagement.duework.engine import Engine, backoff
from engagement.escalations import service
from engagement.escalations.messages import (
    EscalationAlert,
    EscalationPathAlert,
    EscalationReminder,
    EscalationSponsorRequest,
)
from engagement.escalations.rules import EscalationInput
from engagement.models import DueWork, EscalationEvent, EscalationNotice, WorkState
from engagement.notify import Message, Posted, Undeliverable
from tests.factories import ADMIN, NOW, actor, escalation_registry, load_portfolio, portfolio
from tests.fakes import FakeNotifier

ROOT = Path(__file__).resolve().parents[2]
SAM, SPONSOR = "U0SAM0001", "U0SPN0001"
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


def two_sponsors() -> dict[str, object]:
    document = portfolio()
    document["accounts"][0]["sponsors"] = [SPONSOR, "U0SPN0009"]  # type: ignore[index]
    return document


@pytest.fixture
def loaded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions() as session:
        load_portfolio(session)
    return sessions


def raise_one(
    sessions: sessionmaker[Session], severity: str = "high", account: str = "Acme Corp"
) -> int:
    with transaction(sessions) as session:
        user = {"Acme Corp": SAM, "Globex": "U0SAM0002", "Hanami Logistics": "U0SAM0003"}[account]
        result = service.raise_escalation(
            session,
            actor=actor(session, user),
            account_name=account,
            fields=EscalationInput.read(
                {"severity": severity, "summary": "Renewal blocked by legal review"}
            ),
            now=NOW,
        )
        return result.escalation.id


def act(sessions: sessionmaker[Session], verb: str, escalation_id: int, at_hours: float) -> None:
    with transaction(sessions) as session:
        who = actor(session, SPONSOR)
        now = NOW + timedelta(hours=at_hours)
        if verb == "ack":
            service.acknowledge(session, actor=who, escalation_id=escalation_id, now=now)
        else:
            service.resolve(session, actor=who, escalation_id=escalation_id, note="fixed", now=now)


def sent(notifier: FakeNotifier) -> list[tuple[str, str]]:
    return [(to, type(message).__name__) for to, message, _ in notifier.posts]


def engine(sessions: sessionmaker[Session], notifier: FakeNotifier, worker: str = "w") -> Engine:
    return Engine(sessions, escalation_registry(), notifier, worker=worker)


def test_creation_alerts_the_channel_and_dms_the_sponsor(loaded: sessionmaker[Session]) -> None:
    escalation_id = raise_one(loaded)
    notifier = FakeNotifier()
    engine(loaded, notifier).run_due(NOW)
    assert sent(notifier) == [
        ("#acme-alliance", "EscalationAlert"),
        (SPONSOR, "EscalationSponsorRequest"),
    ]
    alert = notifier.posts[0][1]
    assert isinstance(alert, EscalationAlert)
    card = alert.card
    assert (card.code, card.severity, card.state) == (f"ESC-{escalation_id}", "high", "open")
    assert (card.summary, card.raised_by.user_id) == ("Renewal blocked by legal review", SAM)
    request = notifier.posts[1][1]
    assert isinstance(request, EscalationSponsorRequest) and request.sponsor.user_id == SPONSOR
    with loaded() as session:
        notices = session.execute(
            select(EscalationNotice.kind, EscalationNotice.recipient, EscalationNotice.ts)
        ).all()
        assert [tuple(row) for row in notices] == [
            ("alert", "#acme-alliance", "1.000100"),
            ("request", SPONSOR, "2.000100"),
        ]
    engine(loaded, notifier).run_due(NOW + timedelta(minutes=5))
    assert len(notifier.posts) == 2  # nothing twice


def test_every_sponsor_gets_a_dm(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session, two_sponsors())
    raise_one(sessions)
    notifier = FakeNotifier()
    engine(sessions, notifier).run_due(NOW)
    assert sorted(to for to, _ in notifier.messages_of(EscalationSponsorRequest)) == [
        SPONSOR,
        "U0SPN0009",
    ]


def test_the_ladder_reminds_once_then_goes_to_the_path_once(loaded: sessionmaker[Session]) -> None:
    raise_one(loaded, "high")  # 24 h to acknowledge
    notifier = FakeNotifier()
    run = engine(loaded, notifier).run_due
    run(NOW)
    run(NOW + 24 * HOUR - SECOND)
    assert len(notifier.posts) == 2
    run(NOW + 24 * HOUR)
    assert sent(notifier)[2:] == [(SPONSOR, "EscalationReminder")]
    run(NOW + 30 * HOUR)
    run(NOW + 48 * HOUR - SECOND)
    assert len(notifier.posts) == 3
    run(NOW + 48 * HOUR)
    assert sent(notifier)[3:] == [("#exec-steering", "EscalationPathAlert")]
    path_alert = notifier.posts[3][1]
    assert isinstance(path_alert, EscalationPathAlert) and path_alert.reason == "overdue"
    run(NOW + 500 * HOUR)
    assert len(notifier.posts) == 4
    with loaded() as session:
        kinds = session.scalars(select(EscalationEvent.kind).order_by(EscalationEvent.id)).all()
    assert kinds == ["raised", "reminded", "escalated"]


def test_a_late_start_catches_up_once(loaded: sessionmaker[Session]) -> None:
    raise_one(loaded, "medium")  # 72 h; the scheduler was down for a week
    notifier = FakeNotifier()
    engine(loaded, notifier).run_due(NOW + 7 * 24 * HOUR)
    assert Counter(sent(notifier)) == {
        ("#acme-alliance", "EscalationAlert"): 1,
        (SPONSOR, "EscalationSponsorRequest"): 1,
        (SPONSOR, "EscalationReminder"): 1,
        ("#exec-steering", "EscalationPathAlert"): 1,
    }


def test_acknowledged_in_time_stops_the_ladder(loaded: sessionmaker[Session]) -> None:
    escalation_id = raise_one(loaded, "low")  # 168 h
    notifier = FakeNotifier()
    run = engine(loaded, notifier).run_due
    run(NOW)
    act(loaded, "ack", escalation_id, at_hours=100)
    run(NOW + 400 * HOUR)
    assert sent(notifier) == [
        ("#acme-alliance", "EscalationAlert"),
        (SPONSOR, "EscalationSponsorRequest"),
    ]


def test_acknowledged_after_the_reminder_never_reaches_the_path(
    loaded: sessionmaker[Session],
) -> None:
    escalation_id = raise_one(loaded, "high")
    notifier = FakeNotifier()
    run = engine(loaded, notifier).run_due
    run(NOW + 25 * HOUR)
    act(loaded, "ack", escalation_id, at_hours=30)
    run(NOW + 100 * HOUR)
    assert [kind for _, kind in sent(notifier)] == [
        "EscalationAlert",
        "EscalationSponsorRequest",
        "EscalationReminder",
    ]


def test_critical_goes_straight_to_the_path_and_on_a_4_hour_ladder(
    loaded: sessionmaker[Session],
) -> None:
    raise_one(loaded, "critical")
    notifier = FakeNotifier()
    run = engine(loaded, notifier).run_due
    run(NOW)
    assert sent(notifier) == [
        ("#acme-alliance", "EscalationAlert"),
        (SPONSOR, "EscalationSponsorRequest"),
        ("#exec-steering", "EscalationPathAlert"),
    ]
    path_alert = notifier.posts[2][1]
    assert isinstance(path_alert, EscalationPathAlert) and path_alert.reason == "critical"
    run(NOW + 4 * HOUR)
    run(NOW + 8 * HOUR)
    assert sent(notifier)[3:] == [
        (SPONSOR, "EscalationReminder"),
        ("#exec-steering", "EscalationPathAlert"),
    ]


def test_without_an_escalation_path_nothing_fails(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        load_portfolio(session, portfolio(escalation_path=None))
    raise_one(sessions, "critical")
    notifier = FakeNotifier()
    report = engine(sessions, notifier).run_due(NOW + 10 * HOUR)
    assert report.retried == report.failed == 0
    assert not notifier.messages_of(EscalationPathAlert)
    assert len(notifier.messages_of(EscalationReminder)) == 1


def test_cancelled_before_it_went_out_says_nothing(loaded: sessionmaker[Session]) -> None:
    escalation_id = raise_one(loaded, "critical")
    with transaction(loaded) as session:
        service.cancel(session, actor=actor(session, SAM), escalation_id=escalation_id, now=NOW)
    notifier = FakeNotifier()
    engine(loaded, notifier).run_due(NOW + 100 * HOUR)
    assert notifier.posts == [] and notifier.updates == []


class UpdateFails(FakeNotifier):
    """Slack says one of the messages is gone."""

    gone: set[str]

    def update(self, where: Posted, message: Message) -> None:
        if where.ts in self.gone:
            raise Undeliverable("chat.update: message_not_found")
        super().update(where, message)


def test_each_change_updates_every_message_in_place(loaded: sessionmaker[Session]) -> None:
    escalation_id = raise_one(loaded, "high")
    notifier = UpdateFails()
    notifier.gone = set()
    run = engine(loaded, notifier).run_due
    run(NOW + 25 * HOUR)  # alert, request, reminder
    act(loaded, "ack", escalation_id, at_hours=26)
    run(NOW + 26 * HOUR)
    assert [(where.channel, type(message).__name__) for where, message in notifier.updates] == [
        ("#acme-alliance", "EscalationAlert"),
        (SPONSOR, "EscalationSponsorRequest"),
        (SPONSOR, "EscalationReminder"),
    ]
    assert {message.card.state for _, message in notifier.updates} == {"acknowledged"}  # type: ignore[attr-defined]
    notifier.gone = {"1.000100"}  # someone deleted the channel alert
    act(loaded, "resolve", escalation_id, at_hours=27)
    report = run(NOW + 27 * HOUR)
    assert report.failed == 0
    latest = notifier.updates[3:]
    assert [where.ts for where, _ in latest] == ["2.000100", "3.000100"]
    card = latest[0][1].card  # type: ignore[attr-defined]
    assert (card.state, card.resolution, card.resolved_by.user_id) == ("resolved", "fixed", SPONSOR)
    assert len(notifier.posts) == 3  # updates, never new posts


def test_an_update_waits_while_a_message_is_being_posted(loaded: sessionmaker[Session]) -> None:
    escalation_id = raise_one(loaded, "high")
    act(loaded, "ack", escalation_id, at_hours=0)
    with transaction(loaded) as session:  # another process is posting the alert right now
        session.execute(
            update(DueWork)
            .where(DueWork.kind == "escalation.announce")
            .values(state=WorkState.CLAIMED, claimed_by="other", lease_until=NOW + 1000 * HOUR)
        )
    notifier = FakeNotifier()
    run = engine(loaded, notifier).run_due
    report = run(NOW)  # the update waits its turn in the escalation's stream
    assert (report.total, report.retried, notifier.updates) == (0, 0, [])
    with transaction(loaded) as session:  # it posted (showing the state it had read) and ended
        session.execute(
            update(DueWork).where(DueWork.kind == "escalation.announce").values(state="due")
        )
    run(NOW)
    run(NOW + backoff(1))
    assert [type(message).__name__ for _, message in notifier.updates] == ["EscalationAlert"]


def test_two_engines_at_the_same_instant_send_each_step_once(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session)
    for account in ("Acme Corp", "Globex", "Hanami Logistics") * 4:
        raise_one(sessions, "high", account)
    notifiers = [FakeNotifier(), FakeNotifier()]
    engines = [engine(sessions, n, worker=f"racer-{i}") for i, n in enumerate(notifiers)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def go(racer: Engine) -> None:
        try:
            barrier.wait()
            racer.run_due(NOW + 48 * HOUR)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=go, args=(racer,)) for racer in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    posts = Counter(
        (to, type(message).__name__, message.card.code)  # type: ignore[attr-defined]
        for notifier in notifiers
        for to, message, _ in notifier.posts
    )
    assert len(posts) == 12 * 4  # alert, request, reminder, path alert for each
    assert set(posts.values()) == {1}


@pytest.mark.postgres
def test_two_processes_on_postgresql_send_each_step_once(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the multi-process race is run on PostgreSQL")
    with sessions() as session:
        load_portfolio(session)
    for account in ("Acme Corp", "Globex", "Hanami Logistics") * 10:
        raise_one(sessions, "critical", account)
    as_of = NOW + 8 * HOUR  # past twice the critical deadline: every step is due at once
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.engagement.escalation_worker",
                database_url,
                str(tmp_path / f"w{n}.txt"),
                as_of.isoformat(),
                "2",
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for n in range(2)
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    handled = [
        [tuple(json.loads(line)) for line in (tmp_path / f"w{n}.txt").read_text().splitlines()]
        for n in range(2)
    ]
    posts = Counter(post for posts in handled for post in posts)
    print(f"\nescalation race: posts per process {[len(posts) for posts in handled]}")
    assert all(handled)  # both really took part
    assert len(posts) == 30 * 5  # alert, request, critical path, reminder, overdue path
    assert set(posts.values()) == {1}
    with sessions() as session:
        assert set(session.scalars(select(DueWork.state))) == {WorkState.DONE}


def test_admin_raised_ones_alert_too(loaded: sessionmaker[Session]) -> None:
    with transaction(loaded) as session:
        service.raise_escalation(
            session,
            actor=actor(session, ADMIN, admin=True),
            account_name="Globex",
            fields=EscalationInput.read({"severity": "low", "summary": "Heads-up"}),
            now=NOW,
        )
    notifier = FakeNotifier()
    engine(loaded, notifier).run_due(NOW)
    assert sent(notifier) == [
        ("#globex-alliance", "EscalationAlert"),
        ("U0SPN0002", "EscalationSponsorRequest"),
    ]
