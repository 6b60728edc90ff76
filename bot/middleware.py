"""Cross-cutting work for every request: a request ID for the logs, event de-duplication.

One `Middleware` subclass rather than `@app.middleware` functions: Bolt works out a
function middleware's arguments by inspection on every request, which costs more than
the work itself, and this runs before every ack.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from sqlalchemy.exc import IntegrityError

from bot import logs
from bot.runtime import Runtime
from engagement.clock import utcnow
from engagement.db import transaction
from engagement.models import ProcessedRequest

log = logging.getLogger(__name__)


class EveryRequest(Middleware):
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        """Tag the request's log lines with an ID; drop an event already processed.

        Slack retries unacknowledged events; an event ID already seen is acked and dropped.
        """
        body = req.body
        logs.request_id.set(secrets.token_hex(4))
        kind = body.get("type") or ("command" if "command" in body else "-")
        log.info("request.received type=%s", kind)
        event_id = body.get("event_id") if kind == "event_callback" else None
        if event_id:
            try:
                with transaction(self.runtime.sessions) as session:
                    session.add(ProcessedRequest(key=f"event:{event_id}", at=utcnow()))
            except IntegrityError:
                log.info("request.duplicate_event event_id=%s", event_id)
                return BoltResponse(status=200, body="")
        return next()


def register(app: App, runtime: Runtime) -> None:
    app.use(EveryRequest(runtime))
