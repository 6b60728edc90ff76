"""One error handler: domain errors become one ephemeral line; anything else a reference."""

from __future__ import annotations

import logging
import secrets
import traceback
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from bot.middleware import VERIFIED
from bot.request import SlackRequest
from bot.runtime import Runtime
from bot.views.kit import said
from engagement.db import failed_statement
from engagement.errors import SherpaError

log = logging.getLogger(__name__)

UNAVAILABLE = "Sherpa is temporarily unavailable. Please try again in a minute."


def user_message(error: Exception) -> str:
    """What the person sees; unexpected errors are logged under a short reference."""
    if isinstance(error, SherpaError):
        return said(error.line)
    if isinstance(error, OperationalError | InterfaceError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        log.warning("request.unavailable error=%s", type(error).__name__)
        return UNAVAILABLE
    reference = secrets.token_hex(3).upper()
    database = failed_statement(error)
    if database is None:
        log.error(
            "request.failed reference=%s error=%s", reference, type(error).__name__, exc_info=error
        )
    else:  # its message can quote what someone typed: PostgreSQL shows the failing row
        statement = " ".join((database.statement or "").split())
        stack = "".join(traceback.format_tb(error.__traceback__)).rstrip()
        log.error(
            'request.failed reference=%s error=%s cause=%s statement="%s"\n    %s',
            reference,
            type(error).__name__,
            type(database.orig).__name__,
            statement[:1000],
            f"Traceback (the database's message left out):\n{stack}".replace("\n", "\n    "),
        )
    return f"Something went wrong (reference {reference}). The team has the details."


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


def register(app: App, runtime: Runtime) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], request: BoltRequest) -> None:
        """Tell the person, but only when the request was verified: an unverified body's
        `response_url`, channel and user are whatever its sender chose."""
        if not request.context.get(VERIFIED):
            log.warning("request.unverified_error error=%s", type(error).__name__)
            return
        tell(runtime, error, body)
