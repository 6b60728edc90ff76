"""The check-in part of App Home: pending check-ins, my accounts, the pause."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from engagement.access import Actor, roles_on, visible_accounts
from engagement.checkins.items import items
from engagement.checkins.messages import CheckinItem
from engagement.checkins.pausing import paused_until
from engagement.models import Answer, CheckIn, CheckInState, Person, Role


@dataclass(frozen=True)
class HomeAccount:
    name: str
    roles: tuple[Role, ...]
    last_answered: datetime | None  # the actor's latest answer on this account
    phase: str = ""  # an `engagement.models.Phase` value (seed 002)
    governance: str = ""  # an `engagement.models.Governance` value


@dataclass(frozen=True)
class Home:
    user_id: str
    known: bool  # False: Sherpa has no person for this user (not a sponsor or SAM)
    paused_until: date | None
    pending: tuple[CheckinItem, ...]
    accounts: tuple[HomeAccount, ...]


def home(session: Session, *, actor: Actor, now: datetime) -> Home:
    """What App Home shows the actor: only their own check-ins and accounts."""
    if actor.person_id is None:
        return Home(actor.user_id, False, None, (), ())
    person = session.get_one(Person, actor.person_id)
    pending = session.scalars(
        select(CheckIn)
        .options(joinedload(CheckIn.account), joinedload(CheckIn.person))
        .where(
            CheckIn.person_id == person.id,
            or_(
                CheckIn.state.in_([CheckInState.SENT, CheckInState.NUDGED]),
                and_(
                    CheckIn.state == CheckInState.DUE,
                    or_(CheckIn.due_at <= now, CheckIn.sent_at.is_not(None)),
                ),
            ),
        )
        .order_by(CheckIn.due_at, CheckIn.id)
    ).all()
    last = dict(
        session.execute(
            select(CheckIn.account_id, func.max(Answer.submitted_at))
            .join(Answer, Answer.checkin_id == CheckIn.id)
            .where(CheckIn.person_id == person.id)
            .group_by(CheckIn.account_id)
        ).all()
    )
    member = replace(actor, is_admin=False)  # "my accounts", even for an admin
    accounts = tuple(
        HomeAccount(
            account.name,
            tuple(sorted(roles_on(session, member, account.id))),
            last.get(account.id),
            account.phase,
            account.governance,
        )
        for account in visible_accounts(session, member)
    )
    return Home(actor.user_id, True, paused_until(person, now), items(session, pending), accounts)
