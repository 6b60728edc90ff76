"""One line per event, `key=value` pairs, with the request ID when there is one."""

from __future__ import annotations

import contextvars
import logging
import sys

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class LineFormatter(logging.Formatter):
    """`time level logger request=… event k=v`; a traceback stays attached to its line's ID."""

    def format(self, record: logging.LogRecord) -> str:
        line = (
            f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} {record.levelname.lower()} "
            f"{record.name} request={request_id.get()} {record.getMessage()}"
        )
        if record.exc_info:
            trace = self.formatException(record.exc_info).replace("\n", "\n    ")
            line += f"\n    {trace}"
        return line


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("apscheduler", "alembic", "slack_bolt", "slack_sdk", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
