"""Cross-cutting work for every request: a request ID for the logs, event de-duplication."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from sqlalchemy.exc import IntegrityError

from bot import logs
from bot.runtime import Runtime
from engagement.clock import utcnow
from engagement.db import transaction
from engagement.models import ProcessedRequest

log = logging.getLogger(__name__)


def register(app: App, runtime: Runtime) -> None:
    @app.middleware
    def request_id(body: dict[str, Any], next: Callable[[], None]) -> None:
        logs.request_id.set(secrets.token_hex(4))
        kind = body.get("type") or ("command" if "command" in body else "-")
        log.info("request.received type=%s", kind)
        next()

    @app.middleware
    def once_per_event(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        """Slack retries unacknowledged events; an event ID already seen is acked and dropped."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            try:
                with transaction(runtime.sessions) as session:
                    session.add(ProcessedRequest(key=f"event:{event_id}", at=utcnow()))
            except IntegrityError:
                log.info("request.duplicate_event event_id=%s", event_id)
                return BoltResponse(status=200, body="")
        next()
        return None
