"""Which stream each kind of due work joins (why: `engagement/duework/streams.py`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.root import wire
from engagement.access import find_account
from engagement.checkins.messages import CheckinPrompt
from engagement.checkins.responses import remind_tomorrow
from engagement.checkins.sends import schedule_send
from engagement.db import transaction
from engagement.duework.engine import Engine
from engagement.escalations import service
from engagement.escalations.rules import EscalationInput
from engagement.models import (
    Account,
    CheckIn,
    DigestRun,
    DueWork,
    Person,
    Risk,
    SponsorRotation,
    WorkState,
)
from engagement.reviews.service import record_review
from engagement.risks.rules import RiskInput
from engagement.risks.service import log_risk
from engagement.rotation.service import add_handover_note, rotate_sponsor
from engagement.scoring.kpis import record_kpi
from tests.engagement.test_scoring_digest import many_accounts
from tests.factories import actor, checkin_registry, load_portfolio, person_id, portfolio
from tests.fakes import FakeNotifier

registry = wire().due_work
MONDAY = datetime(2026, 11, 23, 12, tzinfo=UTC)  # 07:00 in New York, ISO week 48
SAM = "U0SAM0001"  # the SAM of every account of `many_accounts`
POSTING = {
    "checkin.send", "checkin.nudge", "checkin.expire", "checkin.introduce", "checkin.reminder",
    "escalation.announce", "escalation.request", "escalation.critical", "escalation.realert",
    "escalation.remind", "escalation.path", "escalation.refresh",
    "digest.post", "digest.part", "digest.chart", "digest.heatmap", "digest.refresh",
    "alerts.post",
    "risks.high", "risks.review", "reviews.remind",
    "rotation.brief", "rotation.ask_note", "rotation.add_note",
}  # fmt: skip


def account_id(session: Session, name: str) -> int:
    found = find_account(session, name)
    assert found is not None
    return found.id


def expected_stream(session: Session, row: DueWork) -> str | None:
    """The stream a row belongs in, from what it posts to (its key and payload)."""
    if row.kind == "checkin.send":  # checkin.send:<person>:<day>
        return f"person:{row.key.split(':')[1]}"
    if row.kind == "checkin.introduce":  # checkin.introduce:<person>
        return f"person:{row.key.split(':')[1]}"
    if row.kind in ("checkin.nudge", "checkin.expire", "checkin.reminder"):
        return f"person:{session.get_one(CheckIn, row.payload['checkin_id']).person_id}"
    if row.kind.startswith("escalation."):
        return f"escalation:{row.payload['escalation_id']}"
    if row.kind == "digest.refresh":  # the digest's own channel
        return f"channel:{session.get_one(DigestRun, row.payload['run']).channel}"
    if row.kind.startswith("digest."):  # digest.<step>:<channel>:<week>[:<part>]
        return f"channel:{row.key.split(':')[1]}"
    if row.kind == "alerts.post" and row.key.endswith(":channel"):
        return f"channel:{row.payload['to']}"
    if row.kind == "alerts.post":  # the DM to the SAM: the SAM's stream
        sam = session.scalars(select(Person).where(Person.slack_user_id == row.payload["to"]))
        return f"person:{sam.one().id}"
    if row.kind == "risks.high":  # the account's channel
        return f"channel:{session.get_one(Risk, row.payload['risk_id']).account.channel}"
    if row.kind == "risks.review":  # the owner's DM
        return f"person:{session.get_one(Risk, row.payload['risk_id']).owner_id}"
    if row.kind == "reviews.remind":  # each sponsor's DM
        return f"person:{row.payload['person_id']}"
    if row.kind == "rotation.ask_note":  # the outgoing sponsor's DM
        return f"person:{session.get_one(SponsorRotation, row.payload['rotation_id']).outgoing_id}"
    if row.kind.startswith("rotation."):  # the brief, and the note into it
        return f"person:{session.get_one(SponsorRotation, row.payload['rotation_id']).incoming_id}"
    return None  # planning: posts nothing


def test_every_kind_that_posts_joins_the_stream_of_where_it_posts(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        load_portfolio(session, many_accounts(45), now=MONDAY - timedelta(weeks=4))
    with transaction(sessions) as session:
        sam = actor(session, SAM)
        record_kpi(session, actor=sam, account_name="Account 001", key="joint_revenue_growth",
                   value="1", now=MONDAY - timedelta(hours=1))  # fmt: skip
        ids = [
            service.raise_escalation(
                session,
                actor=sam,
                account_name=name,
                fields=EscalationInput.read({"severity": severity, "summary": "Renewal blocked"}),
                now=MONDAY,
            ).escalation.id
            for name, severity in (("Account 000", "critical"), ("Account 002", "high"))
        ]
        fields = RiskInput.read(probability=5, impact=4, description="CIO leaves",
                                review_on=MONDAY.date())  # fmt: skip
        log_risk(session, actor=sam, account="Account 003", fields=fields, now=MONDAY)
        # Account 004's review falls due two weeks on: its sponsor is reminded today.
        record_review(session, actor=sam, account="Account 004", held_on=date(2026, 11, 7),
                      notes="", now=MONDAY)  # fmt: skip
        # Account 005 changes hands: a brief to U0SPN0006, a note asked of U0SPN0005.
        rotation = rotate_sponsor(
            session, session.get_one(Account, account_id(session, "Account 005")),
            session.get_one(Person, person_id(session, "U0SPN0005")),
            session.get_one(Person, person_id(session, "U0SPN0006")),
            actor="U0ADMIN01", at=MONDAY,
        ).id  # fmt: skip
    engine = Engine(sessions, registry, FakeNotifier())
    for hours in (0, 2, 4, 8):  # announce; the 09:00 DMs; re-alert; escalation path
        engine.run_due(MONDAY + timedelta(hours=hours))
    with transaction(sessions) as session:
        service.acknowledge(session, actor=actor(session, "U0SPN0002"), escalation_id=ids[1],
                            now=MONDAY + timedelta(hours=9))  # fmt: skip
        add_handover_note(session, actor=actor(session, "U0SPN0005"), rotation_id=rotation,
                          text="Call their CFO first.", at=MONDAY + timedelta(hours=9))  # fmt: skip
    for at in (timedelta(hours=9), timedelta(days=2, hours=2), timedelta(days=4, hours=9)):
        engine.run_due(MONDAY + at)  # the update; the nudges; Friday's digest and its thread
    with transaction(sessions) as session:  # the digest is brought up to date
        service.acknowledge(session, actor=actor(session, "U0SPN0000"), escalation_id=ids[0],
                            now=MONDAY + timedelta(days=4, hours=10))  # fmt: skip
    engine.run_due(MONDAY + timedelta(days=7))  # week 48 complete: the KPI's alert
    engine.run_due(MONDAY + timedelta(days=7, hours=3))  # expiries update their reminders
    with sessions() as session:
        rows = session.scalars(select(DueWork).order_by(DueWork.id)).all()
        assert {row.kind for row in rows} >= POSTING  # every kind that posts was queued
        wrong = [
            (row.key, row.stream, expected)
            for row in rows
            if (expected := expected_stream(session, row)) != row.stream
        ]
    assert wrong == []


def test_a_postponed_check_in_does_not_hold_back_the_persons_next_dm(
    sessions: sessionmaker[Session],
) -> None:
    """*Remind me tomorrow* moves the nudge to a new place in the stream, not just in time."""
    wednesday = {"cadence": "weekly", "weekday": "wed", "time": "10:00"}
    document = portfolio(accounts=[
        {"name": "Acme Corp", "sam": SAM, "sponsors": ["U0SPN0001"]},
        {"name": "Initech", "sam": SAM, "sponsors": ["U0SPN0005"], "checkins": wednesday},
    ])  # fmt: skip
    with sessions() as session:
        load_portfolio(session, document, now=MONDAY - timedelta(weeks=4))
    notifier = FakeNotifier()
    engine = Engine(sessions, checkin_registry(), notifier)
    monday_dm = MONDAY + timedelta(hours=2)  # 09:00 in New York
    engine.run_due(monday_dm)
    with transaction(sessions) as session:
        sent = CheckIn.sent_at.is_not(None) & (CheckIn.person_id == person_id(session, SAM))
        [acme] = session.scalars(select(CheckIn.id).where(sent)).all()
        remind_tomorrow(session, actor=actor(session, SAM), checkin_id=acme, now=monday_dm)
    engine.run_due(monday_dm + timedelta(days=1))  # Acme again, in Tuesday's DM
    # Wednesday 10:00 is after the nudge's first time (Wednesday 09:00), before its new one
    engine.run_due(monday_dm + timedelta(days=2, hours=1))
    prompts = [m for to, m in notifier.messages_of(CheckinPrompt) if to == SAM]
    assert [[item.account_name for item in m.items] for m in prompts] == [  # type: ignore[attr-defined]
        ["Acme Corp"],
        ["Acme Corp"],
        ["Initech"],
    ]


def test_a_days_dm_planned_again_takes_its_new_place_in_the_stream(
    sessions: sessionmaker[Session],
) -> None:
    """Moving a day's DM earlier, or reviving it for a check-in added later, is a new plan
    (its first-due instant moves); a later check-in for that day changes nothing."""
    day, nine = MONDAY.date(), MONDAY - timedelta(hours=3)

    def plan(due_at: datetime) -> tuple[datetime, datetime, str | None]:
        with transaction(sessions) as session:
            schedule_send(session, 7, day, due_at)
        with sessions() as session:
            row = session.scalars(select(DueWork)).one()
            return row.scheduled_for, row.due_at, row.stream

    earlier, revived = nine - timedelta(hours=1), nine + timedelta(hours=5)
    assert plan(nine) == (nine, nine, "person:7")
    assert plan(earlier) == (earlier, earlier, "person:7")
    assert plan(nine + timedelta(hours=1)) == (earlier, earlier, "person:7")
    with transaction(sessions) as session:
        session.execute(update(DueWork).values(state=WorkState.DONE))  # the DM went out
    assert plan(revived) == (revived, revived, "person:7")
