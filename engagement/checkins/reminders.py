"""A reminder stays true: when a check-in it lists is answered, skipped, postponed or
expires, the reminder is rebuilt from the current state of everything it lists and
updated in place (`chat.update`), so its buttons go once nothing is left to do.

`close` (and `reminder_changed`, for a postponement) queue the update in the transaction
that changes the check-in; `refresh_reminder` runs it, in the person's stream, after the
reminder itself was posted.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from engagement.checkins.items import items
from engagement.checkins.messages import CheckinNudge
from engagement.duework import streams
from engagement.duework.queue import schedule
from engagement.duework.registry import WorkContext
from engagement.models import CheckIn, CheckInState
from engagement.notify import Posted, Undeliverable

log = logging.getLogger(__name__)

REFRESH = "checkin.reminder"


def close(session: Session, checkin: CheckIn, state: CheckInState, now: datetime) -> None:
    """The check-in is answered, skipped or expired as of `now`; its reminder will say so."""
    checkin.state, checkin.closed_at = state, now
    reminder_changed(session, checkin, now)


def reminder_changed(session: Session, checkin: CheckIn, now: datetime) -> None:
    """Queue the update of the reminder that lists `checkin`, if one was posted (once per
    reminder and state: a retried request queues nothing more)."""
    if checkin.reminder_channel is None or checkin.reminder_ts is None:
        return
    schedule(
        session,
        kind=REFRESH,
        key=f"{REFRESH}:{checkin.id}:{checkin.state}:{checkin.reminder_ts}",
        due_at=now,
        payload={"checkin_id": checkin.id},
        stream=streams.person(checkin.person_id),
    )


def refresh_reminder(context: WorkContext) -> None:
    """Rebuild the reminder from the current state of every check-in it lists."""
    session = context.session
    checkin = session.get(CheckIn, int(context.payload["checkin_id"]))
    if checkin is None or checkin.reminder_channel is None or checkin.reminder_ts is None:
        return
    listed = session.scalars(
        select(CheckIn)
        .options(joinedload(CheckIn.account), joinedload(CheckIn.person))
        .where(
            CheckIn.person_id == checkin.person_id,
            CheckIn.reminder_channel == checkin.reminder_channel,
            CheckIn.reminder_ts == checkin.reminder_ts,
        )
    ).all()
    person = checkin.person
    message = CheckinNudge(
        user_id=person.slack_user_id or "",
        recipient_name=person.display_name,
        items=items(session, listed),
    )
    try:
        context.notifier.update(Posted(checkin.reminder_channel, checkin.reminder_ts), message)
    except Undeliverable as error:  # the reminder is gone; nothing is left to correct
        log.warning("checkins.reminder_gone checkin=%d error=%s", checkin.id, error)
        return
    log.info("checkins.reminder_updated checkin=%d listed=%d", checkin.id, len(listed))
