"""HTTP connections kept open between posts, one per thread and host.

Each reply to a `response_url` would otherwise open (and on Slack, TLS-handshake) a new
connection, as slack_sdk's clients do for every call: a round trip or two more per reply,
and more work on both ends than the reply itself.
"""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

Host = tuple[str, str, int | None]
"""(scheme, host, port)."""

STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
"""How a kept connection that the server has since closed fails: the request never got
there, so it may be sent again on a new one."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class KeptAlive:
    """POSTs JSON over a connection per thread and host, reused while the server keeps it."""

    def __init__(self, *, timeout: float = 10) -> None:
        self.timeout = timeout
        self._local = threading.local()

    def post_json(self, url: str, payload: dict[str, Any]) -> Answer:
        """Send `payload`; raises `OSError` or `http.client.HTTPException` when it cannot."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an HTTP URL: {parts.scheme}://{parts.hostname or ''}")
        host: Host = (parts.scheme, parts.hostname, parts.port)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        while True:
            connection, reused = self._connection(host)
            try:
                connection.request("POST", path or "/", body=body, headers=headers)
                response = connection.getresponse()
                answer = Answer(response.status, response.read())
            except STALE:
                self._drop(host)
                if reused:
                    continue
                raise
            except (OSError, http.client.HTTPException):
                self._drop(host)
                raise
            if response.will_close:
                self._drop(host)
            return answer

    def _kept(self) -> dict[Host, http.client.HTTPConnection]:
        """This thread's connections, by host."""
        if not hasattr(self._local, "connections"):
            self._local.connections = {}
        kept: dict[Host, http.client.HTTPConnection] = self._local.connections
        return kept

    def _connection(self, host: Host) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection to `host`, and whether it has been used before."""
        kept = self._kept()
        if host in kept:
            return kept[host], True
        scheme, name, port = host
        kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        kept[host] = kind(name, port, timeout=self.timeout)
        return kept[host], False

    def _drop(self, host: Host) -> None:
        connection = self._kept().pop(host, None)
        if connection is not None:
            connection.close()
