"""Recording a strategic review as held, and reading where each account stands.

The account's sponsors, its SAM and admins record its reviews; recording the same day
again replaces that day's notes; each record is in the audit log. The caller commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement import audit
from engagement.access import Actor, account_for, visible_accounts
from engagement.errors import Invalid
from engagement.models import Review, Role
from engagement.reviews.cadence import ReviewDue, review_dues
from engagement.text import checked_text

log = logging.getLogger(__name__)

NOTES_LIMIT = 3000


@dataclass(frozen=True)
class ReviewRecorded:
    held_on: date
    due: ReviewDue
    """Where the account stands now: the next review's due date follows from this one."""


def read_notes(text: str) -> str:
    """The one check of a review's notes (the slash grammar calls it as it parses)."""
    return checked_text(text, "The notes", limit=NOTES_LIMIT, plural=True)


def record_review(
    session: Session,
    *,
    actor: Actor,
    account: str,
    held_on: date | None,
    notes: str,
    now: datetime,
) -> ReviewRecorded:
    """`/sponsor review <account> [YYYY-MM-DD] [notes…]`: held today unless a day is given."""
    day = held_on or now.date()
    if day > now.date():
        raise Invalid(f"{day.isoformat()} is still to come: record a review once it was held.")
    target = account_for(session, actor, account, Role.SPONSOR, Role.SAM)
    review = session.scalars(
        select(Review).where(Review.account_id == target.id, Review.held_on == day)
    ).first()
    before = None if review is None else {"held_on": day, "notes": review.notes}
    if review is None:
        review = Review(account_id=target.id, held_on=day, recorded_at=now)
        session.add(review)
    review.notes, review.recorded_by, review.recorded_at = notes, actor.person_id, now
    audit.record(
        session,
        actor=actor.user_id,
        action="review.recorded",
        subject=audit.account_subject(target.name),
        before=before,
        after={"held_on": day, "notes": notes},
        at=now,
    )
    session.flush()
    log.info("review.recorded account=%d held_on=%s by=%s", target.id, day, actor.user_id)
    return ReviewRecorded(held_on=day, due=review_dues(session, [target])[0])


def reviews_for(session: Session, actor: Actor) -> list[ReviewDue]:
    """Each of the person's accounts' review, soonest due first."""
    dues = review_dues(session, visible_accounts(session, actor))
    return sorted(dues, key=lambda due: (due.next_due, due.account))
