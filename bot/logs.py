"""One line per event, through structlog: logfmt by default (`time level logger request
event key=value`, a value quoted where it needs to be), or one JSON object a line
(`SHERPA_LOG_FORMAT=json`); UTC timestamps; the request ID when there is one.

Sherpa logs with the standard library, `log.info("checkins.sent person=%d count=%d", ...)`:
the first word is the event, each `key=%s` a field whose value is the argument itself
(not its text), so logfmt quotes it and JSON keeps its type. A line of another shape
(slack_sdk's, a library's) keeps its message as the event, in the same format.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, Literal

import structlog

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

Format = Literal["logfmt", "json"]
EventDict = MutableMapping[str, Any]

ORDER = ["timestamp", "level", "logger", "request", "event"]
_EVENT = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
_SPEC = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
_FIELD = re.compile(r"([a-z_][a-z0-9_]*)=(\"?)(.*)\2", re.S)
_PLAIN = (str, int, float, bool)


def _value(spec: str, argument: object) -> object:
    """A `key=%s` field's value as given: a number stays a number, text stays whole."""
    if spec == "%d" and isinstance(argument, int | float):
        return int(argument)
    if spec == "%s" and (argument is None or isinstance(argument, _PLAIN)):
        return argument
    return spec % (argument,)


def _words(template: str, arguments: tuple[object, ...]) -> list[tuple[str, tuple[object, ...]]]:
    """Each word of the message's template with the arguments its `%` specifiers take."""
    left = list(arguments)
    words = []
    for word in template.split(" "):
        wanted = sum(1 for spec in _SPEC.findall(word) if spec != "%%") if arguments else 0
        if wanted > len(left):
            raise ValueError("fewer arguments than specifiers")
        words.append((word, tuple(left[:wanted])))
        del left[:wanted]
    if left:
        raise ValueError("more arguments than specifiers")
    return words


def fields(_logger: object, _method: str, event: EventDict) -> EventDict:
    """`event k=%s k=%d` and its arguments, as the event and its fields."""
    record, arguments = event.get("_record"), event.pop("positional_args", ())
    if record is None or not isinstance(record.msg, str) or not isinstance(arguments, tuple):
        return event
    try:
        words = _words(record.msg, arguments)
    except ValueError:
        return event
    first, taken = words[0]
    name = first % taken if taken else first
    if not _EVENT.fullmatch(name):
        return event
    found: dict[str, object] = {}
    for number, (word, taken) in enumerate(words[1:], start=1):
        field = _FIELD.fullmatch(word)
        if field is None or field[1] in ORDER:
            rest = " ".join(part % args if args else part for part, args in words[number:])
            found["detail"] = rest
            break
        spec = field[3]
        if len(taken) == 1 and spec in ("%s", "%d"):
            found[field[1]] = _value(spec, taken[0])
        else:
            found[field[1]] = spec % taken if taken else spec
    event["event"] = name
    event.update(found)
    return event


def _request(_logger: object, _method: str, event: EventDict) -> EventDict:
    current = request_id.get()
    if current != "-":
        event["request"] = current
    return event


def _ordered(_logger: object, _method: str, event: EventDict) -> EventDict:
    """The usual keys first, for JSON as for logfmt."""
    head = {key: event.pop(key) for key in ORDER if key in event}
    return {**head, **event}


def formatter(kind: Format = "logfmt") -> structlog.stdlib.ProcessorFormatter:
    renderer: Any = (
        structlog.processors.JSONRenderer(default=str)
        if kind == "json"
        else structlog.processors.LogfmtRenderer(
            key_order=ORDER, drop_missing=True, bool_as_flag=False
        )
    )
    return structlog.stdlib.ProcessorFormatter(
        pass_foreign_args=True,
        foreign_pre_chain=[
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            _request,
            fields,
            structlog.processors.format_exc_info,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _ordered,
            renderer,
        ],
    )


def configure(kind: Format = "logfmt", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(kind))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("apscheduler", "alembic", "slack_bolt", "slack_sdk", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
