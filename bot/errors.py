"""What the person is told when their request fails: one line, never a traceback."""

from __future__ import annotations

import logging
import secrets
import traceback

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

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
