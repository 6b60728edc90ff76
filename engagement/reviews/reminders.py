"""Two weeks before an account's review is due, each sponsor gets a DM with a drafted
agenda (seed 002's: strategic performance as the scorecard's figures, open risks, the
period's escalations, the relationship's health), at 09:00 their time.

The hourly planner queues a reminder a day ahead; its key names the due date, so each
due date is reminded once, and recording the review before it goes out withdraws it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.checkins.schedule import to_utc, zone
from engagement.duework import streams
from engagement.duework.queue import schedule
from engagement.duework.registry import WorkContext
from engagement.escalations.codes import code_of
from engagement.models import (
    Account,
    Answer,
    CheckIn,
    Escalation,
    EscalationState,
    Person,
    Role,
    Sponsorship,
)
from engagement.notify import Message
from engagement.reviews.cadence import ReviewDue, review_dues
from engagement.risks.lines import RiskLine
from engagement.risks.service import open_risks
from engagement.scoring import weeks
from engagement.scoring.evaluate import score_accounts
from engagement.scoring.messages import KpiItem
from engagement.scoring.scorecard import Status, Trend

log = logging.getLogger(__name__)

REMIND = "reviews.remind"
AHEAD = timedelta(days=14)
AT = time(9, 0)
AGENDA_MAX = 5
"""Risks and escalations named in the agenda; the rest are counted."""
OFF_TARGET = (Status.RED, Status.AMBER)


@dataclass(frozen=True)
class Health:
    """The relationship's health over the period: the check-in answers' averages (1–5)."""

    answers: int
    stakeholder_engagement: float | None
    strategic_alignment: float | None
    internal_advocacy: float | None


class Performance(BaseModel):
    """Strategic performance, from the account's scorecard of the week."""

    model_config = ConfigDict(frozen=True)

    iso_week: str
    score: int | None
    status: Status | None
    trend: Trend
    kpis: int
    """How many KPIs the scorecard has."""
    off_target: list[KpiItem]
    """The KPIs red, then amber, each in scorecard order, with their values and targets."""
    no_data: list[str]
    """The labels of the KPIs without a figure this week."""


class ReviewReminder(Message):
    """A sponsor's DM: the review coming up and its drafted agenda."""

    due: ReviewDue
    performance: Performance
    risks: list[RiskLine]
    escalations_raised: int
    open_escalations: list[tuple[str, str]]
    """(code, summary) of those still open."""
    health: Health


def plan_reminders(context: WorkContext) -> int:
    """Queue tomorrow's and today's reminders for the reviews due two weeks on."""
    session, today = context.session, context.now.date()
    accounts = list(session.scalars(select(Account)))
    created = 0
    for due in review_dues(session, accounts):
        remind_on = due.next_due - AHEAD
        if not today - timedelta(days=1) <= remind_on <= today + timedelta(days=1):
            continue
        for person in _sponsors(session, due.account_id):
            at = max(to_utc(remind_on, AT, zone(person.timezone)), context.now)
            created += schedule(
                session,
                kind=REMIND,
                key=f"{REMIND}:{due.account_id}:{due.next_due}:{person.id}",
                due_at=at,
                payload={
                    "account_id": due.account_id,
                    "person_id": person.id,
                    "next_due": due.next_due.isoformat(),
                },
                stream=streams.person(person.id),
            )
    return created


def remind(context: WorkContext) -> None:
    """DM the agenda, unless the review was recorded (or the sponsor left) since."""
    session, payload = context.session, context.payload
    account = session.get(Account, int(payload["account_id"]))
    person = session.get(Person, int(payload["person_id"]))
    if account is None or person is None or person.slack_user_id is None:
        return
    [due] = review_dues(session, [account])
    if due.next_due.isoformat() != payload["next_due"]:
        return
    if person.id not in {sponsor.id for sponsor in _sponsors(session, account.id)}:
        return
    context.notifier.post(person.slack_user_id, agenda(session, due, context.now))
    log.info("review.reminded account=%d person=%d due=%s", account.id, person.id, due.next_due)


def agenda(session: Session, due: ReviewDue, now: datetime) -> ReviewReminder:
    """The drafted agenda, over the period since the last review; the scorecard as of now."""
    since = datetime.combine(due.last_held or date.min, time(), tzinfo=zone("UTC"))
    raised = select(Escalation).where(
        Escalation.account_id == due.account_id, Escalation.created_at >= since
    )
    still_open = session.scalars(
        select(Escalation)
        .where(
            Escalation.account_id == due.account_id,
            Escalation.state.in_([EscalationState.OPEN, EscalationState.ACKNOWLEDGED]),
        )
        .order_by(Escalation.created_at)
        .limit(AGENDA_MAX)
    ).all()
    return ReviewReminder(
        due=due,
        performance=_performance(session, due.account_id, now),
        risks=open_risks(session, [due.account_id])[:AGENDA_MAX],
        escalations_raised=session.scalar(select(func.count()).select_from(raised.subquery())) or 0,
        open_escalations=[(code_of(item.id), item.summary) for item in still_open],
        health=_health(session, due.account_id, since),
    )


def _performance(session: Session, account_id: int, now: datetime) -> Performance:
    """The account's scorecard this week: its score and the KPIs off target, red first."""
    [scores] = score_accounts(session, Account.id == account_id, now=now)
    lines = scores.lines()
    off = sorted(
        (line for line in lines if line.status in OFF_TARGET),
        key=lambda line: OFF_TARGET.index(line.status),
    )
    current = scores.current.score
    return Performance(
        iso_week=weeks.label(scores.timeline.current),
        score=current.score,
        status=current.status,
        trend=scores.score_trend,
        kpis=len(lines),
        off_target=[KpiItem.of(line) for line in off],
        no_data=[line.kpi.label for line in lines if line.actual is None],
    )


def _health(session: Session, account_id: int, since: datetime) -> Health:
    """Each check-in's latest answer counts once."""
    latest = (
        select(func.max(Answer.revision))
        .where(Answer.checkin_id == CheckIn.id)
        .correlate(CheckIn)
        .scalar_subquery()
    )
    row = session.execute(
        select(
            func.count(Answer.id),
            func.avg(Answer.stakeholder_engagement),
            func.avg(Answer.strategic_alignment),
            func.avg(Answer.internal_advocacy),
        )
        .join(CheckIn, CheckIn.id == Answer.checkin_id)
        .where(
            CheckIn.account_id == account_id,
            Answer.submitted_at >= since,
            Answer.revision == latest,
        )
    ).one()

    def rounded(value: object) -> float | None:
        return None if value is None else round(float(str(value)), 1)

    return Health(
        answers=int(row[0]),
        stakeholder_engagement=rounded(row[1]),
        strategic_alignment=rounded(row[2]),
        internal_advocacy=rounded(row[3]),
    )


def _sponsors(session: Session, account_id: int) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .join(Sponsorship, Sponsorship.person_id == Person.id)
            .where(
                Sponsorship.account_id == account_id,
                Sponsorship.role == Role.SPONSOR,
                Sponsorship.ended_at.is_(None),
            )
            .order_by(Person.id)
        )
    )
