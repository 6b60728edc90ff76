"""Whether Slack takes Sherpa's token: when it refuses it for good (revoked, the app
uninstalled, the workspace closed), nothing is sent, by any process, until it works again.

The stop is a row, so every process sees it: the clock claims no due work meanwhile
(rows stay due, nothing is lost) and `/healthz` answers 503 with its reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engagement.duework.registry import Registry
from engagement.models import SendingStop
from engagement.notify import Blocked, SendingStopped

_ONLY = 1


def register(registry: Registry) -> None:
    registry.when_blocked(hold)


def hold(session: Session, error: Blocked, as_of: datetime) -> None:
    """Due work met a refused token: every process stops sending, from this transaction."""
    if isinstance(error, SendingStopped):
        stop(session, error.reason, as_of)


def stopped(session: Session) -> SendingStop | None:
    """The stop in force, or None while Slack takes the token."""
    return session.get(SendingStop, _ONLY)


def stop(session: Session, reason: str, at: datetime) -> None:
    """Stop sending (idempotent: the first reason and time stay)."""
    if stopped(session) is None:
        try:
            with session.begin_nested():
                session.add(SendingStop(id=_ONLY, reason=reason, since=at))
        except IntegrityError:
            pass  # another process stopped it first


def resume(session: Session) -> bool:
    """Sending may go on; True when it had stopped."""
    result = session.execute(delete(SendingStop).where(SendingStop.id == _ONLY))
    return bool(getattr(result, "rowcount", 0))
