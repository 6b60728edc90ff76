"""Moving a person's pending check-ins when their time zone changes.

Everything not yet done keeps its wall-clock time and date, read in the old zone, and
is now due at that wall-clock time in the new zone: a check-in due Monday 09:00 in New
York becomes Monday 09:00 in Tokyo, with its day's send row, nudge and expiry. The
rows keep their keys (the period and the person-day stay the same), so nothing is sent
twice; what would now lie in the past is due at once, so no period is skipped. A row
being run right now (claimed) is left as it is: it has read the old time already.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.checkins.schedule import to_utc, zone
from engagement.checkins.sends import EXPIRE, NUDGE, SEND
from engagement.duework import streams
from engagement.models import CheckIn, CheckInState, DueWork, WorkState

log = logging.getLogger(__name__)


def retime(session: Session, person_id: int, old_zone: str, new_zone: str, now: datetime) -> int:
    """Move the person's pending check-ins and their rows to `new_zone`; returns how many."""
    old, new = zone(old_zone), zone(new_zone)

    def moved(instant: datetime) -> datetime:
        wall = instant.astimezone(old)
        return max(to_utc(wall.date(), wall.time(), new), now)

    count = 0
    for checkin in session.scalars(
        select(CheckIn).where(CheckIn.person_id == person_id, CheckIn.state == CheckInState.DUE)
    ):
        checkin.due_at = moved(checkin.due_at)
        count += 1
    for row in session.scalars(
        select(DueWork).where(
            DueWork.stream == streams.person(person_id),
            DueWork.state == WorkState.DUE,
            DueWork.kind.in_([SEND, NUDGE, EXPIRE]),
        )
    ):
        row.due_at = row.scheduled_for = moved(row.due_at)
        count += 1
    log.info(
        "checkins.retimed person=%d rows=%d from=%s to=%s", person_id, count, old_zone, new_zone
    )
    return count
