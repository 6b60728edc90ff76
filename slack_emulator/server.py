"""The emulator's HTTP side: a real server on 127.0.0.1 that the unmodified WebClient talks to.

It only turns HTTP into calls on ``Routes`` and answers back; what those calls mean is the
emulator's business. Paths served:

- ``/api/<method>``  Web API (JSON or form-encoded body, token in ``Authorization: Bearer``
  or in a ``token`` argument, as Slack accepts);
- ``/upload/<file_id>``  the upload URL of ``files.getUploadURLExternal`` (raw bytes);
- ``/response/<id>``  the ``response_url`` of an interaction (JSON);
- ``/link/?ticket=…``  a Socket Mode WebSocket (``socket_mode``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from slack_emulator.socket_mode import Link, accept_key


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: a dict goes out as JSON, a string as plain text."""

    status: int
    body: Mapping[str, Any] | str
    headers: Mapping[str, str] = field(default_factory=dict)


class Routes(Protocol):
    def serve_api(self, method: str, args: dict[str, Any], token: str | None) -> Reply: ...

    def serve_upload(self, file_id: str, data: bytes) -> Reply: ...

    def serve_response(self, url_id: str, payload: dict[str, Any]) -> Reply: ...

    def redeem_link(self, ticket: str) -> bool: ...

    def open_link(self, link: Link) -> None: ...


class HttpServer:
    """A ``ThreadingHTTPServer`` in a daemon thread; port 0 picks a free port."""

    def __init__(self, routes: Routes, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.routes = routes
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.01,),  # poll interval: how soon stop() is noticed
            name="slack-emulator",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 makes concurrent clients wait on SYN retries
    routes: Routes


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    """Connections stay open between requests unless the client says otherwise, as Slack's
    do (urllib, under slack_sdk, says `Connection: close`)."""
    disable_nagle_algorithm = True
    """A kept connection's next answer would otherwise wait for the client's delayed ACK of
    this one's headers: 40 ms a request."""
    timeout = 30
    """Seconds an idle kept connection stays open."""

    def do_GET(self) -> None:
        self._route(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._route(self.rfile.read(length))

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read the call log, not stderr."""

    def _route(self, body: bytes) -> None:
        url = urlsplit(self.path)
        kind, _, name = url.path.strip("/").partition("/")
        routes = self.server.routes
        if kind == "api" and name:
            try:
                args = {**dict(parse_qsl(url.query)), **self._arguments(body)}
            except (ValueError, UnicodeDecodeError):
                self._send(Reply(200, {"ok": False, "error": "invalid_form_data"}))
                return
            token = args.pop("token", None)
            self._send(routes.serve_api(name, args, self._bearer() or token))
        elif kind == "upload" and name:
            self._send(routes.serve_upload(name, body))
        elif kind == "link":
            self._link(dict(parse_qsl(url.query)).get("ticket", ""))
        elif kind == "response" and name:
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                payload = None
            if not isinstance(payload, dict):
                self._send(Reply(400, {"ok": False, "error": "invalid_payload"}))
                return
            self._send(routes.serve_response(name, payload))
        else:
            self._send(Reply(404, {"ok": False, "error": "not_found"}))

    def _link(self, ticket: str) -> None:
        """Upgrade to a WebSocket and serve it in this thread until the client closes it."""
        key = self.headers.get("Sec-WebSocket-Key")
        upgrade = (self.headers.get("Upgrade") or "").lower() == "websocket"
        if not (upgrade and key and self.server.routes.redeem_link(ticket)):
            self._send(Reply(400, {"ok": False, "error": "invalid_ticket"}))
            return
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept_key(key))
        self.end_headers()
        self.wfile.flush()
        link = Link(self.connection)
        self.server.routes.open_link(link)
        link.serve(self.rfile)
        self.close_connection = True

    def _arguments(self, body: bytes) -> dict[str, Any]:
        """A JSON object or form fields, whichever the Content-Type says."""
        if not body:
            return {}
        if self.headers.get_content_type() == "application/json":
            parsed = json.loads(body)
            if not isinstance(parsed, dict):
                raise ValueError("a JSON body must be an object")
            return parsed
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))

    def _bearer(self) -> str | None:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        return (token.strip() or None) if scheme.lower() == "bearer" else None

    def _send(self, reply: Reply) -> None:
        if isinstance(reply.body, str):
            data, content_type = reply.body.encode(), "text/plain; charset=utf-8"
        else:
            data, content_type = json.dumps(reply.body).encode(), "application/json; charset=utf-8"
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a ``timeout`` fault); nothing left to tell it
