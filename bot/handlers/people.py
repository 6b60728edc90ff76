"""People's events from Slack: a profile that changed (`user_change`), a DM to Sherpa."""

from __future__ import annotations

import logging
from typing import Any

from bot.notifier import profile_of
from bot.runtime import Runtime
from engagement import people

log = logging.getLogger(__name__)


def profile_changed(runtime: Runtime, user: dict[str, Any]) -> None:
    """Keep the person's zone and status as Slack now has them (re-timing what is pending)."""
    profile = profile_of(user)
    with runtime.sessions.begin() as session:
        known = people.profile_changed(session, profile, runtime.clock())
    log.info("people.profile_changed user=%s known=%s", profile.user_id, known)


def direct_message(runtime: Runtime, user_id: str) -> None:
    """Answer a DM with where to go, at most once a day per person."""
    with runtime.sessions.begin() as session:
        answered = people.direct_message(session, user_id, runtime.clock())
    log.info("people.direct_message user=%s answered=%s", user_id, answered)
