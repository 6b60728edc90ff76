"""An escalation as plain data (names, Slack IDs, text, times): what messages and views show."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.escalations.codes import code_of
from engagement.models import (
    Account,
    Escalation,
    EscalationEvent,
    EscalationState,
    Person,
    Role,
    Severity,
    Sponsorship,
)


class EventKind(enum.StrEnum):
    """What an `EscalationEvent` records."""

    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    REMINDED = "reminded"  # the sponsor was re-alerted past the deadline (by Sherpa)
    ESCALATED = "escalated"  # posted to the escalation path (by Sherpa)


class Who(BaseModel):
    """A person: their Slack user ID once it is known, and their name."""

    model_config = ConfigDict(frozen=True)

    user_id: str | None
    name: str

    @classmethod
    def of(cls, person: Person) -> Who:
        return cls(user_id=person.slack_user_id, name=person.display_name)


class EscalationCard(BaseModel):
    """Everything a message or view needs about one escalation, without a session."""

    model_config = ConfigDict(frozen=True)

    id: int
    code: str
    account_id: int
    account_name: str
    account_channel: str | None
    severity: Severity
    state: EscalationState
    summary: str
    details: str = ""
    ask: str = ""
    permalink: str | None = None
    due_by: date | None = None
    raised_by: Who
    created_at: datetime
    ack_deadline: datetime
    sponsors: tuple[Who, ...] = ()
    acknowledged_by: Who | None = None
    acknowledged_at: datetime | None = None
    resolved_by: Who | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    cancelled_by: Who | None = None
    cancelled_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """Still waiting on someone: open or acknowledged."""
        return self.state in (EscalationState.OPEN, EscalationState.ACKNOWLEDGED)


def cards(session: Session, escalations: Sequence[Escalation]) -> list[EscalationCard]:
    """Cards for many escalations in a fixed number of queries (no N+1)."""
    if not escalations:
        return []
    ids = [item.id for item in escalations]
    account_ids = {item.account_id for item in escalations}
    accounts = {
        account.id: account
        for account in session.scalars(select(Account).where(Account.id.in_(account_ids)))
    }
    events: dict[int, list[EscalationEvent]] = defaultdict(list)
    for event in session.scalars(
        select(EscalationEvent)
        .where(EscalationEvent.escalation_id.in_(ids))
        .order_by(EscalationEvent.id)
    ):
        events[event.escalation_id].append(event)
    sponsors: dict[int, list[int]] = defaultdict(list)
    for account_id, person_id in session.execute(
        select(Sponsorship.account_id, Sponsorship.person_id)
        .where(
            Sponsorship.account_id.in_(account_ids),
            Sponsorship.role == Role.SPONSOR,
            Sponsorship.ended_at.is_(None),
        )
        .order_by(Sponsorship.id)
    ):
        sponsors[account_id].append(person_id)
    person_ids = {item.raised_by for item in escalations}
    person_ids |= {e.person_id for group in events.values() for e in group if e.person_id}
    person_ids |= {pid for group in sponsors.values() for pid in group}
    people = {
        person.id: Who.of(person)
        for person in session.scalars(select(Person).where(Person.id.in_(person_ids)))
    }

    def last(escalation_id: int, kind: EventKind) -> EscalationEvent | None:
        found = [event for event in events[escalation_id] if event.kind == kind]
        return found[-1] if found else None

    def who(event: EscalationEvent | None) -> Who | None:
        if event is None:
            return None
        if event.person_id is None:
            return Who(user_id=None, name="Sherpa")
        return people[event.person_id]

    result = []
    for item in escalations:
        account = accounts[item.account_id]
        acknowledged = last(item.id, EventKind.ACKNOWLEDGED)
        resolved = last(item.id, EventKind.RESOLVED)
        cancelled = last(item.id, EventKind.CANCELLED)
        result.append(
            EscalationCard(
                id=item.id,
                code=code_of(item.id),
                account_id=account.id,
                account_name=account.name,
                account_channel=account.channel,
                severity=Severity(item.severity),
                state=EscalationState(item.state),
                summary=item.summary,
                details=item.details,
                ask=item.ask,
                permalink=item.source_permalink,
                due_by=item.due_by,
                raised_by=people[item.raised_by],
                created_at=item.created_at,
                ack_deadline=item.ack_deadline,
                sponsors=tuple(people[pid] for pid in sponsors[item.account_id]),
                acknowledged_by=who(acknowledged),
                acknowledged_at=item.acknowledged_at,
                resolved_by=who(resolved),
                resolved_at=item.resolved_at,
                resolution=item.resolution,
                cancelled_by=who(cancelled),
                cancelled_at=cancelled.at if cancelled else None,
            )
        )
    return result


def card(session: Session, escalation: Escalation) -> EscalationCard:
    return cards(session, [escalation])[0]
