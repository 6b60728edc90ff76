"""One error handler: domain errors become one ephemeral line; anything else a reference."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest

from bot.errors import user_message
from bot.middleware import VERIFIED
from bot.request import SlackRequest
from bot.runtime import Runtime
from bot.surfaces import Surfaces

log = logging.getLogger(__name__)


def tell(runtime: Runtime, error: Exception, body: dict[str, Any]) -> None:
    """Say `user_message(error)` to the person who made the request."""
    text = user_message(error)
    try:
        SlackRequest.from_body(runtime, body).reply(text)
    except Exception as failure:  # the person cannot be told; the log must say so
        log.warning("request.reply_failed error=%s", type(failure).__name__)


def after_ack(runtime: Runtime, body: dict[str, Any], work: Callable[[], None]) -> None:
    """Run a listener's work after its ack, in the follow-up pool (or, when that has a
    backlog, right here, before the ack goes back); a failure goes to `tell`.

    Listeners run in the request's thread, so the ack leaves only when the listener
    returns: slow work must not be in it. And an error raised in a listener makes Bolt
    answer Slack with a 500 instead of the ack, which shows the person an error on top
    of Sherpa's own line.
    """

    def guarded() -> None:
        try:
            work()
        except Exception as error:
            tell(runtime, error, body)

    runtime.followups.submit_or_run(guarded)


def register(app: App, runtime: Runtime, _surfaces: Surfaces) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], request: BoltRequest) -> None:
        """Tell the person, but only when the request was verified: an unverified body's
        `response_url`, channel and user are whatever its sender chose."""
        if not request.context.get(VERIFIED):
            log.warning("request.unverified_error error=%s", type(error).__name__)
            return
        tell(runtime, error, body)
