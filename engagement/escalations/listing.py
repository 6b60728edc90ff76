"""What a person may see of the open escalations: `/sponsor escalations` and App Home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engagement.access import Actor, account_for, visible_accounts
from engagement.escalations.cards import EscalationCard, cards
from engagement.models import Escalation, EscalationState, Role, Sponsorship

OPEN_STATES = (EscalationState.OPEN.value, EscalationState.ACKNOWLEDGED.value)


@dataclass(frozen=True)
class AccountRef:
    id: int
    name: str


def raisable_accounts(session: Session, *, actor: Actor) -> list[AccountRef]:
    """The accounts the escalation modal offers: those the person is SAM of (admins: all)."""
    return [AccountRef(id=a.id, name=a.name) for a in visible_accounts(session, actor, Role.SAM)]


@dataclass(frozen=True)
class Listed:
    """One open escalation with how long it has waited, as of the listing's `now`."""

    escalation: EscalationCard
    age: timedelta
    overdue: bool
    """Still unacknowledged past its acknowledge deadline."""


@dataclass(frozen=True)
class Listing:
    items: list[Listed]
    account_name: str | None = None
    """The account asked for, or None for every account the person may see."""


def _listed(session: Session, rows: list[Escalation], now: datetime) -> list[Listed]:
    return [
        Listed(
            escalation=item,
            age=max(now - item.created_at, timedelta(0)),
            overdue=item.state is EscalationState.OPEN and now >= item.ack_deadline,
        )
        for item in cards(session, rows)
    ]


def list_open(
    session: Session, *, actor: Actor, account: str | None = None, now: datetime
) -> Listing:
    """Open and acknowledged escalations, oldest first: one account's (members only), or
    every account the person belongs to (admins: all)."""
    query = (
        select(Escalation)
        .where(Escalation.state.in_(OPEN_STATES))
        .order_by(Escalation.created_at, Escalation.id)
    )
    name = None
    if account is not None:
        found = account_for(session, actor, account)
        query = query.where(Escalation.account_id == found.id)
        name = found.name
    elif not actor.is_admin:
        if actor.person_id is None:
            return Listing(items=[])
        query = query.where(
            Escalation.account_id.in_(
                select(Sponsorship.account_id).where(
                    Sponsorship.person_id == actor.person_id, Sponsorship.ended_at.is_(None)
                )
            )
        )
    return Listing(items=_listed(session, list(session.scalars(query)), now), account_name=name)


def for_home(session: Session, *, actor: Actor, now: datetime) -> Listing:
    """App Home: the open escalations the person raised, or owns as a current sponsor."""
    if actor.person_id is None:
        return Listing(items=[])
    owned = select(Sponsorship.account_id).where(
        Sponsorship.person_id == actor.person_id,
        Sponsorship.role == Role.SPONSOR,
        Sponsorship.ended_at.is_(None),
    )
    rows = session.scalars(
        select(Escalation)
        .where(
            Escalation.state.in_(OPEN_STATES),
            or_(Escalation.raised_by == actor.person_id, Escalation.account_id.in_(owned)),
        )
        .order_by(Escalation.created_at, Escalation.id)
    ).all()
    return Listing(items=_listed(session, list(rows), now))


def for_account(session: Session, account_id: int, *, now: datetime) -> Listing:
    """One account's open escalations, oldest first, for whoever takes it over."""
    rows = session.scalars(
        select(Escalation)
        .where(Escalation.state.in_(OPEN_STATES), Escalation.account_id == account_id)
        .order_by(Escalation.created_at, Escalation.id)
    ).all()
    return Listing(items=_listed(session, list(rows), now))
