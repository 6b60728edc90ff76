"""The DM's other buttons: *Skip this one* and *Remind me tomorrow*."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from engagement.access import Actor
from engagement.checkins.answers import own_checkin
from engagement.checkins.items import DmUpdate, dm_update, expires_at, followup
from engagement.checkins.reminders import close, reminder_changed
from engagement.checkins.schedule import local_date, next_day_same_time, zone
from engagement.checkins.sends import nudge_key, schedule_send
from engagement.errors import Conflict
from engagement.models import CheckInState, DueWork, WorkState


@dataclass(frozen=True)
class Postponed:
    checkin_id: int
    remind_at: datetime  # UTC
    dm: DmUpdate | None


def skip(session: Session, *, actor: Actor, checkin_id: int, now: datetime) -> DmUpdate | None:
    """Record a skip (not a miss). Skipping twice is harmless; an answered one stays answered."""
    checkin = own_checkin(session, actor, checkin_id, lock=True)
    if checkin.state == CheckInState.ANSWERED:
        raise Conflict("You already answered this check-in; use Edit to change your answer.")
    if checkin.state == CheckInState.EXPIRED:
        raise Conflict("This check-in has already expired.")
    if checkin.state != CheckInState.SKIPPED:
        close(session, checkin, CheckInState.SKIPPED, now)
    return dm_update(session, checkin)


def remind_tomorrow(session: Session, *, actor: Actor, checkin_id: int, now: datetime) -> Postponed:
    """Move a delivered check-in once, to the account's check-in time tomorrow (local).

    It comes back in tomorrow's DM (merged with anything else due that day); a nudge not
    yet sent moves with it; the expiry stays where it was.
    """
    checkin = own_checkin(session, actor, checkin_id, lock=True)
    if checkin.deferred:
        raise Conflict("You can postpone a check-in only once: answer it or skip it.")
    if checkin.state not in (CheckInState.SENT, CheckInState.NUDGED):
        raise Conflict(f"This check-in is already {checkin.state}; there is nothing to postpone.")
    person, account = checkin.person, checkin.account
    tz = zone(person.timezone)
    timing = followup(session)
    remind_at = next_day_same_time(now, account.checkin_time, tz)
    if remind_at >= expires_at(checkin, account, person, timing.expire_after):
        raise Conflict("This check-in expires before then: answer it or skip it now.")
    checkin.state, checkin.deferred, checkin.due_at = CheckInState.DUE, True, remind_at
    schedule_send(session, person.id, local_date(remind_at, tz), remind_at)
    nudge_at = remind_at + timing.nudge_after  # a new plan, so a new place in the stream
    session.execute(
        update(DueWork)
        .where(DueWork.key == nudge_key(checkin.id), DueWork.state == WorkState.DUE)
        .values(due_at=nudge_at, scheduled_for=nudge_at)
    )
    reminder_changed(session, checkin, now)  # a reminder listing it says when it comes back
    return Postponed(checkin.id, remind_at, dm_update(session, checkin))
