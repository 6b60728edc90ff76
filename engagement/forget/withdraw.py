"""Ending what a forgotten person was part of: their roles, their open check-ins, and the
work queued for them.

Only what is still to come is withdrawn. Answered, skipped and expired check-ins, ended
roles and the work already done stay, since the figures count them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, exists, false, or_, select
from sqlalchemy.orm import Session

from engagement.checkins.items import PENDING
from engagement.checkins.sends import EXPIRE, NUDGE, SEND
from engagement.db import count, rowcount
from engagement.escalations.alerts import REMIND, REQUEST
from engagement.models import Answer, CheckIn, DueWork, Person, Role, Sponsorship, WorkState

WITHDRAWN = "withdrawn: the person it was for was forgotten"
"""`last_error` of queued work withdrawn by a forget, for operators reading `due_work`."""


@dataclass(frozen=True)
class RoleEnded:
    """A role the person held until now, and how many others still hold it there."""

    account: str
    role: Role
    others: int

    @property
    def title(self) -> str:
        return "SAM" if self.role is Role.SAM else "sponsor"

    @property
    def line(self) -> str:
        if self.others == 0:
            return f"{self.title} of {self.account} (no {self.title} left)"
        plural = "s" if self.others > 1 else ""
        return f"{self.title} of {self.account} ({self.others} other {self.title}{plural} left)"


def end_roles(session: Session, person_id: int, now: datetime) -> tuple[RoleEnded, ...]:
    """End every current role now; say how many others still hold each one."""
    current = session.scalars(
        select(Sponsorship)
        .where(Sponsorship.person_id == person_id, Sponsorship.ended_at.is_(None))
        .order_by(Sponsorship.account_id, Sponsorship.role)
    ).all()
    for row in current:
        row.ended_at = max(now, row.started_at)
    session.flush()
    ended = []
    for row in current:
        others = count(
            session,
            and_(
                Sponsorship.account_id == row.account_id,
                Sponsorship.role == row.role,
                Sponsorship.ended_at.is_(None),
            ),
        )
        ended.append(RoleEnded(row.account.name, Role(row.role), others))
    return tuple(sorted(ended, key=lambda role: (role.account.lower(), role.role)))


def withdraw_open_checkins(session: Session, person: Person, now: datetime) -> tuple[int, int]:
    """Drop their open, never-answered check-ins and the work queued for them.

    Answered, skipped and expired check-ins stay: the figures count those. An open one
    counts only as "a check-in went out that week", which the others sent to the account
    that week say as well (so it is dropped, not skipped: a skip would also end a streak
    of missed check-ins, changing the account's figures).
    """
    still_open = and_(
        CheckIn.person_id == person.id,
        CheckIn.state.in_([state.value for state in PENDING]),
        ~exists().where(Answer.checkin_id == CheckIn.id),
    )
    ids = session.scalars(select(CheckIn.id).where(still_open)).all()
    dropped = 0
    if ids:  # the condition again: one answered meanwhile is kept
        dropped = rowcount(
            session.execute(
                delete(CheckIn)
                .where(CheckIn.id.in_(ids), still_open)
                .execution_options(synchronize_session=False)
            )
        )
    keys = [f"{kind}:{checkin_id}" for checkin_id in ids for kind in (NUDGE, EXPIRE)]
    due = DueWork.state == WorkState.DUE
    candidates = session.scalars(
        select(DueWork).where(
            due,
            or_(
                DueWork.key.like(f"{SEND}:{person.id}:%"),
                DueWork.key.in_(keys) if keys else false(),
                DueWork.kind.in_([REQUEST, REMIND]),
                DueWork.key.like("alerts.post:%:sam"),
            ),
        )
    ).all()
    withdrawn = 0
    for row in candidates:
        payload = row.payload or {}
        for_them = (
            row.kind in (SEND, NUDGE, EXPIRE)
            or (row.kind in (REQUEST, REMIND) and payload.get("person_id") == person.id)
            or (
                row.kind == "alerts.post"
                and person.slack_user_id is not None
                and payload.get("to") == person.slack_user_id
            )
        )
        if for_them:
            row.state, row.done_at, row.last_error = WorkState.DONE, now, WITHDRAWN
            withdrawn += 1
    session.flush()
    return dropped, withdrawn
