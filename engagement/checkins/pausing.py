"""`/sponsor pause <date>` and `/sponsor resume`: no check-ins for a while, and no catch-up.

`paused_until` is the first day check-ins come back (the pause covers the days before
it, in the person's own zone). Paused periods are never planned, so resuming (or the
pause running out) brings only future check-ins, from the next hourly planning run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from engagement.access import Actor
from engagement.checkins.delivery import withdraw_paused
from engagement.checkins.items import DmUpdate, dm_update
from engagement.checkins.schedule import local_date, zone
from engagement.errors import Invalid, NotFound
from engagement.models import Person

MAX_PAUSE = timedelta(days=366)


@dataclass(frozen=True)
class PauseState:
    paused_until: date | None  # None: not paused
    dms: tuple[DmUpdate, ...] = ()  # DMs whose postponed check-ins the pause skipped


def _person(session: Session, actor: Actor) -> Person:
    if actor.person_id is None:
        raise NotFound("You have no check-ins: you are not a sponsor or SAM of any account.")
    return session.get_one(Person, actor.person_id)


def pause(session: Session, *, actor: Actor, until: date, now: datetime) -> PauseState:
    """Pause the actor's check-ins until `until` (exclusive), starting now."""
    person = _person(session, actor)
    today = local_date(now, zone(person.timezone))
    if until <= today:
        example = (today + timedelta(days=14)).isoformat()
        raise Invalid(f"Pick a date after today, like `/sponsor pause {example}`.")
    if until > today + MAX_PAUSE:
        raise Invalid("Pause for a year at most; you can pause again later.")
    person.paused_until = until
    changed = withdraw_paused(session, person, now)
    dms = (dm_update(session, checkin) for checkin in changed)
    return PauseState(until, tuple(dm for dm in dms if dm is not None))


def resume(session: Session, *, actor: Actor, now: datetime) -> PauseState:
    """End a pause now; the next planning run plans the periods still ahead."""
    person = _person(session, actor)
    person.paused_until = None
    return PauseState(None)


def paused_until(person: Person, now: datetime) -> date | None:
    """The pause in force today, if any (an elapsed one is no pause)."""
    until = person.paused_until
    if until is None or until <= local_date(now, zone(person.timezone)):
        return None
    return until
