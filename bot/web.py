"""The HTTP surface: `POST /slack/events` for Slack and `GET /healthz` for the platform."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from bot import payloads
from bot.runtime import Runtime
from bot.verify import unverified_reason
from engagement import sending
from engagement.clock import utcnow
from engagement.duework.heartbeat import last_beat, silence

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
EVENTS_PATH = "/slack/events"

StartResponse = Callable[..., Any]


def _answer(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def _headers(environ: dict[str, Any]) -> dict[str, str | Sequence[str]]:
    """The request headers as Bolt names them (what its WSGI adapter does)."""
    headers: dict[str, str | Sequence[str]] = {
        key[5:].lower().replace("_", "-"): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
        if key in environ:
            headers[key.lower().replace("_", "-")] = environ[key]
    return headers


@dataclass(frozen=True)
class Probe:
    """What a health check looks at."""

    runtime: Runtime
    session: Session
    """A read session; the database answered through it."""
    now: datetime
    """The real clock's time."""
    started: datetime
    """When this process began serving."""
    clock_expected: bool
    """Whether a clock runs for this deployment (`sherpa serve`, with its own or apart)."""


HealthCheck = Callable[[Probe], str | None]
"""Why Sherpa cannot do its work, or None: one small function each, listed in `HEALTH_CHECKS`."""


def clock_silent(probe: Probe) -> str | None:
    """No clock running: nothing Sherpa sends on its own would go out."""
    if not probe.clock_expected:
        return None
    return silence(last_beat(probe.session), since=probe.started, now=probe.now)


def slack_refuses_the_token(probe: Probe) -> str | None:
    """Slack refused the token (revoked, uninstalled): nothing goes out until it works."""
    stop = sending.stopped(probe.session)
    return (
        f"slack refuses the token ({stop.reason}) since {stop.since.isoformat()}" if stop else None
    )


HEALTH_CHECKS: tuple[HealthCheck, ...] = (clock_silent, slack_refuses_the_token)


def bolt_request(body: bytes, environ: dict[str, Any]) -> BoltRequest | None:
    """The request for Bolt, or None for a body Bolt cannot take.

    Bolt parses the body when it builds the request and assumes a JSON object wherever it
    finds JSON: anything else (a list, a string, bad JSON, bad UTF-8) makes it raise
    there. Its own middleware then reads fields of the payload before any of Sherpa's
    runs, so a payload of the wrong shape (`bot.payloads`) is refused here too. Building
    the request here, once, also spares parsing each body twice.
    """
    try:
        request = BoltRequest(
            body=body.decode("utf-8"),
            query=environ.get("QUERY_STRING", ""),
            headers=_headers(environ),
        )
    except (ValueError, AttributeError, TypeError) as error:  # JSON, UTF-8: ValueErrors
        log.info("request.malformed_body bytes=%d error=%s", len(body), type(error).__name__)
        return None
    if not isinstance(request.body, dict):
        log.info("request.malformed_body bytes=%d error=not_an_object", len(body))
        return None
    problem = payloads.malformed(request.body)
    if problem is not None:
        log.info("request.malformed_body bytes=%d error=%s", len(body), problem)
        return None
    return request


class WebApp:
    """A small WSGI app in front of Bolt: size limit, signature, malformed bodies, health
    check, 404s.

    The signature is checked here, on the raw bytes, before Bolt parses the body: a request
    that is not Slack's gets 401 and nothing of it is read (Bolt checks again).
    """

    def __init__(self, runtime: Runtime, bolt: App, *, clock_expected: bool = False) -> None:
        self.runtime = runtime
        self.bolt = bolt
        self.secret = runtime.settings.required("slack_signing_secret")
        self.clock_expected = clock_expected
        self.started = utcnow()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/healthz" and method == "GET":
            return self.health(start_response)
        if path == EVENTS_PATH and method == "POST":
            body = self._read_body(environ)
            if body is None:
                return _answer(
                    start_response,
                    "413 Payload Too Large",
                    {"error": f"request body over {MAX_BODY} bytes"},
                )
            reason = unverified_reason(
                body,
                environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
                environ.get("HTTP_X_SLACK_SIGNATURE"),
                self.secret,
            )
            if reason is not None:
                log.info("request.unverified reason=%s bytes=%d", reason, len(body))
                return _answer(start_response, "401 Unauthorized", {"error": "invalid request"})
            request = bolt_request(body, environ)
            if request is None:
                return _answer(start_response, "400 Bad Request", {"error": "malformed body"})
            answer = self.bolt.dispatch(request)
            response = WsgiHttpResponse(answer.status, answer.headers, answer.body)
            start_response(response.status, response.get_headers())
            return response.get_body()
        return _answer(start_response, "404 Not Found", {"error": "not found"})

    @staticmethod
    def _read_body(environ: dict[str, Any]) -> bytes | None:
        """The body, or None when it is over the limit (read no further than that).

        Only a chunked body is read to its end; otherwise Content-Length says how much.
        """
        stream = environ["wsgi.input"]
        if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
            body: bytes = stream.read(MAX_BODY + 1)
            return None if len(body) > MAX_BODY else body
        try:
            declared = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return b""
        if declared > MAX_BODY:
            return None
        return bytes(stream.read(declared)) if declared > 0 else b""

    def health(self, start_response: StartResponse) -> list[bytes]:
        """200, or 503 with the reasons: the database unreachable, or a `HEALTH_CHECKS` failing."""
        try:
            with self.runtime.reads() as session:
                session.execute(text("SELECT 1"))
                beat = last_beat(session)
                probe = Probe(self.runtime, session, utcnow(), self.started, self.clock_expected)
                reasons = [reason for check in HEALTH_CHECKS if (reason := check(probe))]
        except Exception as error:
            log.warning("health.database_unreachable error=%s", type(error).__name__)
            return _answer(
                start_response,
                "503 Service Unavailable",
                {"status": "unavailable", "database": "unreachable"},
            )
        body: dict[str, Any] = {
            "status": "unavailable" if reasons else "ok", "database": "ok",
            "scheduler_last_run": beat.isoformat() if beat else None,
        }  # fmt: skip
        if reasons:
            log.warning("health.unavailable reasons=%s", "; ".join(reasons))
            return _answer(start_response, "503 Service Unavailable", {**body, "reasons": reasons})
        return _answer(start_response, "200 OK", body)
