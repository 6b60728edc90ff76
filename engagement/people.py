"""People: resolving e-mail addresses to Slack users and keeping time zones fresh."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import or_, select

from engagement.duework.registry import WorkContext, registry
from engagement.models import Person, forgotten_people
from engagement.notify import DeliveryError

log = logging.getLogger(__name__)

REFRESH_EVERY = timedelta(days=7)
BATCH = 500
"""At most this many profile look-ups per hourly planning run, to stay within rate limits."""


@registry.planner("people.refresh_profiles")
def refresh_profiles(context: WorkContext) -> int:
    """Refresh names and time zones weekly; resolve people known only by e-mail.

    Runs first in each hourly planning run so check-ins are planned in the right zone.
    If Slack is unreachable the rest waits for the next run; planning goes on.
    Forgotten people are never looked up again: that would bring their identity back.
    """
    session, now = context.session, context.now
    stale = session.scalars(
        select(Person)
        .where(or_(Person.timezone_checked_at.is_(None),
                   Person.timezone_checked_at < now - REFRESH_EVERY),
               ~forgotten_people())
        .order_by(Person.timezone_checked_at.is_not(None), Person.timezone_checked_at, Person.id)
        .limit(BATCH)
    ).all()  # fmt: skip
    refreshed = 0
    for person in stale:
        try:
            profile = context.notifier.profile(user_id=person.slack_user_id, email=person.email)
        except DeliveryError as error:
            log.warning("people.refresh_paused reason=%s", error)
            break
        person.timezone_checked_at = now
        if profile is None:
            log.warning("people.unknown_to_slack person=%d", person.id)
            continue
        if person.slack_user_id is None:
            owner = session.scalars(
                select(Person.id).where(Person.slack_user_id == profile.user_id)
            ).first()
            if owner is not None:
                log.warning("people.duplicate person=%d same_as=%d", person.id, owner)
                continue
            person.slack_user_id = profile.user_id
        person.display_name = profile.display_name
        person.timezone = profile.timezone
        refreshed += 1
    return refreshed
