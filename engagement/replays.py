"""Requests already handled, so a replayed or retried request changes nothing twice.

A request's key (Slack's event ID, or the trigger of a command or click) is written in
the same transaction as what the request changes: a second request with that key fails
on the key's primary key and writes nothing. Keys outlive Slack's five-minute signature
window by far, then are pruned.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engagement.duework.registry import Registry, WorkContext
from engagement.errors import Conflict
from engagement.models import ProcessedRequest

KEPT_FOR = timedelta(days=1)
"""How long a key is remembered: replays are refused for far longer than the signature
window in which Slack would accept a replayed request."""


def register(registry: Registry) -> None:
    """Request keys' due work: forgetting old keys, with the hourly planning."""
    registry.planner("requests.prune", prune)


class Replayed(Conflict):
    """This request was handled already; nothing was written the second time."""

    def __init__(self) -> None:
        super().__init__("That was already done; nothing changed.")


def request_key(kind: str, unique: str) -> str:
    """A bounded key for `unique`, whatever its length."""
    return f"{kind}:{hashlib.sha256(unique.encode()).hexdigest()[:40]}"


def record(session: Session, key: str, now: datetime) -> None:
    """Remember `key` in the session's transaction; raise `Replayed` if it is known."""
    session.add(ProcessedRequest(key=key, at=now))
    try:
        session.flush()
    except IntegrityError:
        raise Replayed() from None


def prune(context: WorkContext) -> int:
    """Forget keys older than `KEPT_FOR` (hourly, with the other planners)."""
    context.session.execute(
        delete(ProcessedRequest).where(ProcessedRequest.at < context.now - KEPT_FOR)
    )
    return 0
