"""People: resolving e-mail addresses to Slack users, keeping time zones and statuses fresh.

A time zone that changes (the weekly look-up, or Slack's `user_change` event) moves the
person's pending check-ins to the new zone's local time (`checkins.retime`); the first
look-up of someone with check-ins planned queues their introduction.

A DM to Sherpa (its Messages tab) gets a short answer pointing to `/sponsor help` and App
Home, at most once per person per UTC day (`ANSWER_DM`, one key per person and day).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from engagement.checkins.away import remember_status
from engagement.checkins.introduction import introduce_newcomers
from engagement.checkins.retime import retime
from engagement.duework.queue import schedule
from engagement.duework.registry import Registry, WorkContext
from engagement.models import Person, forgotten_people
from engagement.notify import Message, Profile
from engagement.portfolio.schema import iana_zones

log = logging.getLogger(__name__)

REFRESH_EVERY = timedelta(days=7)
BATCH = 500
"""At most this many profile look-ups per hourly planning run, to stay within rate limits."""
CHUNK = 25
PIECE_EVERY = timedelta(seconds=30)
"""The pieces of a planning run fall due this far apart: 50 look-ups a minute, whichever
processes run them, within Slack's tiers for `users.lookupByEmail` (Tier 3, 50 a minute)
and `users.info` (Tier 4, 100, shared with the status reads before check-ins)."""
REFRESH = "people.refresh"
ANSWER_DM = "people.answer_dm"


class DirectMessageAnswer(Message):
    """The answer to a DM someone wrote to Sherpa: where to go instead."""

    user_id: str


def register(registry: Registry) -> None:
    """People's due work: the hourly profile look-ups, queued in pieces; answers to DMs."""
    registry.planner("people.refresh_profiles", refresh_profiles)
    registry.kind(REFRESH, refresh)
    registry.kind(ANSWER_DM, answer_dm)


def direct_message(session: Session, user_id: str, now: datetime) -> bool:
    """Someone wrote to Sherpa: queue the answer, unless they had one today (False)."""
    return schedule(
        session,
        kind=ANSWER_DM,
        key=f"{ANSWER_DM}:{user_id}:{now.date().isoformat()}",
        due_at=now,
        payload={"user_id": user_id},
    )


def answer_dm(context: WorkContext) -> None:
    user_id = str(context.payload["user_id"])
    context.notifier.post(user_id, DirectMessageAnswer(user_id=user_id))


def refresh_profiles(context: WorkContext) -> int:
    """Queue look-ups for profiles older than a week and people known only by e-mail.

    Runs first in each hourly planning run (people come first in the composition root's
    order, `bot/root.py`), so check-ins are planned in fresh time zones (a zone that a later
    piece finds different re-times what is pending). The look-ups go in pieces of `CHUNK`
    people, each a due-work item committed on its own and due `PIECE_EVERY` after the one
    before: a crash or a Slack outage costs one piece, retried with back-off, and the rest
    of the planning run goes on at once. Forgotten people are never looked up again: that
    would bring their identity back.
    """
    session, now = context.session, context.now
    stale = list(
        session.scalars(
            select(Person.id).where(_stale(now)).order_by(
                Person.timezone_checked_at.is_not(None), Person.timezone_checked_at, Person.id
            ).limit(BATCH)
        )
    )  # fmt: skip
    hour = now.replace(minute=0, second=0, microsecond=0)
    for number, start in enumerate(range(0, len(stale), CHUNK)):
        piece = stale[start : start + CHUNK]
        schedule(
            session,
            kind=REFRESH,
            key=f"{REFRESH}:{hour:%Y-%m-%dT%H}:{piece[0]}",
            due_at=now + number * PIECE_EVERY,
            payload={"people": piece},
        )
    return len(stale)


def refresh(context: WorkContext) -> None:
    """Names, time zones and user IDs from Slack for one piece; fresh ones are skipped."""
    session, now = context.session, context.now
    people = session.scalars(
        select(Person).where(Person.id.in_(context.payload["people"]), _stale(now))
    ).all()
    for person in people:
        profile = context.notifier.profile(user_id=person.slack_user_id, email=person.email)
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
        apply_profile(session, person, profile, now)
    introduce_newcomers(session, now=now, people=[person.id for person in people])


def profile_changed(session: Session, profile: Profile, now: datetime) -> bool:
    """Slack says a user's profile changed (`user_change`); False if Sherpa does not know
    them (or has forgotten them: their new profile is not taken in)."""
    person = session.scalars(
        select(Person).where(Person.slack_user_id == profile.user_id, ~forgotten_people())
    ).first()
    if person is None:
        return False
    apply_profile(session, person, profile, now)
    person.timezone_checked_at = now
    return True


def apply_profile(session: Session, person: Person, profile: Profile, now: datetime) -> None:
    """Name, zone and status from Slack; a new zone re-times what is pending (a name that
    is no IANA zone is not taken)."""
    person.display_name = profile.display_name
    if profile.timezone != person.timezone and profile.timezone in iana_zones():
        old, person.timezone = person.timezone, profile.timezone
        retime(session, person.id, old, profile.timezone, now)
    remember_status(person, profile, now)


def _stale(now: datetime) -> ColumnElement[bool]:
    """Due a look-up: never checked or checked over a week ago, and not forgotten."""
    checked = or_(
        Person.timezone_checked_at.is_(None), Person.timezone_checked_at < now - REFRESH_EVERY
    )
    return checked & ~forgotten_people()
