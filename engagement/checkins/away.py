"""Away statuses: a Slack status saying someone is on leave pauses their check-ins.

Which statuses count is the portfolio's `away_statuses` (an emoji, or a text the status
starts with; Slack's own presets by default). A status pauses until its expiry
(`status_expiration`; none: until the person changes it). The status is read from Slack
(`users.info`) when a check-in, nudge or expiry is about to happen, at most every
`STATUS_FRESH`, and the `user_change` event keeps it fresh in between. When Slack cannot
say (an error, a rate limit), the status last known decides, and the check-in goes on:
a rate limit is not waited out, so a fan-out of thousands of check-ins at 09:00 goes at
the pace of its messages, not at `users.info`'s (Tier 4, about 100 a minute).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from engagement.models import Person, PortfolioSettings
from engagement.notify import DeliveryError, Notifier, Profile

log = logging.getLogger(__name__)

DEFAULT_EMOJI = (":palm_tree:", ":face_with_thermometer:", ":airplane:")
DEFAULT_TEXTS = ("Vacationing", "Out sick")
STATUS_FRESH = timedelta(minutes=10)
"""A status read this recently is used as it is; an older one is read again."""
STATUS_LENGTH = 100


def remember_status(person: Person, profile: Profile, now: datetime) -> None:
    """Keep the person's Slack status as the profile gives it, read at `now`."""
    person.status_emoji = profile.status_emoji[:STATUS_LENGTH]
    person.status_text = profile.status_text[:STATUS_LENGTH]
    expiration = profile.status_expiration
    person.status_expires_at = datetime.fromtimestamp(expiration, UTC) if expiration > 0 else None
    person.status_checked_at = now


def away_statuses(session: Session) -> tuple[frozenset[str], tuple[str, ...]]:
    """The emoji and the status texts that mean "away"."""
    settings = session.get(PortfolioSettings, 1)
    chosen = (settings.away_statuses if settings is not None else None) or {}
    emoji = frozenset(chosen.get("emoji", DEFAULT_EMOJI))
    texts = tuple(text.casefold() for text in chosen.get("texts", DEFAULT_TEXTS))
    return emoji, texts


def shows_away(session: Session, person: Person, now: datetime) -> bool:
    """Whether the status Sherpa last read says the person is away at `now`."""
    if not (person.status_emoji or person.status_text):
        return False
    if person.status_expires_at is not None and person.status_expires_at <= now:
        return False
    emoji, texts = away_statuses(session)
    text = person.status_text.strip().casefold()
    return person.status_emoji in emoji or any(text and text.startswith(t) for t in texts)


def is_away(session: Session, notifier: Notifier, person: Person, now: datetime) -> bool:
    """Whether the person is away now, reading their status again if it is not fresh."""
    if person.slack_user_id is None:
        return False
    checked = person.status_checked_at
    if checked is None or now - checked >= STATUS_FRESH:
        try:
            profile = notifier.profile(user_id=person.slack_user_id, wait=False)
        except DeliveryError as error:  # the last status known will do: the DM goes on
            log.info("checkins.status_unread person=%d error=%s", person.id, error)
            profile = None
        if profile is not None:
            remember_status(person, profile, now)
    return shows_away(session, person, now)
