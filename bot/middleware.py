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

from bot import logs
from bot.runtime import Runtime
from engagement import replays
from engagement.clock import utcnow
from engagement.db import transaction

log = logging.getLogger(__name__)

VERIFIED = "sherpa_verified"
"""Set on a request's context once Bolt's built-in middleware (its signature check) let it
through: the error handler answers no request without it."""


class EveryRequest(Middleware):
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        """Tag the request's log lines with an ID; drop an event already processed.

        Slack retries unacknowledged events; an event ID already seen is acked and dropped.
        """
        req.context[VERIFIED] = True  # Bolt's own signature check ran before this
        body = req.body
        logs.request_id.set(secrets.token_hex(4))
        kind = body.get("type") or ("command" if "command" in body else "-")
        log.info("request.received type=%s", kind)
        event_id = body.get("event_id") if kind == "event_callback" else None
        if event_id:
            try:
                with transaction(self.runtime.sessions) as session:
                    replays.record(session, replays.request_key("event", str(event_id)), utcnow())
            except replays.Replayed:
                log.info("request.duplicate_event event_id=%s", event_id)
                return BoltResponse(status=200, body="")
        return next()


def register(app: App, runtime: Runtime) -> None:
    app.use(EveryRequest(runtime))
