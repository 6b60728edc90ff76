"""The Slack emulator: one object that serves the Web API, acts as Slack, and is inspected.

Use::

    with Emulator({"users": [...], "channels": [...]}, app_url=APP) as emu:
        client = WebClient(token=emu.bot_token, base_url=emu.api_url)
        emu.actor.slash("U0SAM0001", "status acme")
        assert emu.ephemerals("U0SAM0001")
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from slack_emulator import rendering
from slack_emulator.actor import Actor
from slack_emulator.args import normalize
from slack_emulator.errors import ApiError
from slack_emulator.faults import Fault, Faults
from slack_emulator.ids import Ids
from slack_emulator.interactions import ResponsePost, ResponseUrls, Triggers
from slack_emulator.methods import WebApi
from slack_emulator.ratelimit import RateLimits
from slack_emulator.recording import Call, CallLog
from slack_emulator.server import HttpServer, Reply
from slack_emulator.socket_mode import Link, Links
from slack_emulator.store import Message, Store, StoredFile, View
from slack_emulator.workspace import Workspace

_log = logging.getLogger(__name__)


class Emulator:
    """A local Slack for tests and the offline demo; thread-safe, start/stop or ``with``.

    ``clock`` drives trigger expiry and rate-limit windows, so tests can move time without
    sleeping. ``app_url`` is where the actor sends Slack's requests; it may be set later.
    """

    def __init__(
        self,
        workspace: Workspace | Mapping[str, Any] | None = None,
        *,
        bot_token: str = "xoxb-emulator-token",
        app_token: str = "xapp-emulator-token",
        signing_secret: str = "emulator-signing-secret",
        app_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not isinstance(workspace, Workspace):
            workspace = Workspace.from_dict(workspace or {})
        self.workspace = workspace
        self.bot_token = bot_token
        self.app_token = app_token
        self.links = Links()
        self.signing_secret = signing_secret
        self.app_url = app_url
        self.store = Store(workspace, Ids())
        self.triggers = Triggers(self.store.ids, clock)
        self.response_urls = ResponseUrls(self.store)
        self.web_api = WebApi(self.store, self.triggers)
        self.faults = Faults()
        self.rate_limits = RateLimits(clock)
        self._log = CallLog()
        self._server = HttpServer(self, host, port)
        self._stopping = threading.Event()
        self._revoked: str | None = None

    # Life cycle -------------------------------------------------------------------------

    def start(self) -> Emulator:
        self._stopping.clear()
        self._server.start()
        self.web_api.public_url = self.url
        return self

    def stop(self) -> None:
        """Stop serving; requests held by a ``timeout`` fault are answered at once."""
        self._stopping.set()
        self._server.stop()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/``; response and upload URLs live under it."""
        return self._server.url

    @property
    def api_url(self) -> str:
        """The ``base_url`` for ``slack_sdk.WebClient`` (and ``SLACK_API_URL``)."""
        return f"{self.url}api/"

    @property
    def actor(self) -> Actor:
        """Slack's side toward the app: over its Socket Mode connection, else to ``app_url``."""
        if self.app_url is None and self.links.current() is None:
            raise RuntimeError("set Emulator.app_url before acting as Slack toward the app")
        return Actor(self, self.app_url or "")

    # What people do in the workspace --------------------------------------------------

    def invite(self, channel: str, user_id: str | None = None) -> None:
        """``/invite @Sherpa`` (or ``user_id``) in a channel, by id or ``#name``."""
        channel_id = self._channel_id(channel)
        self.workspace.invite(channel_id, user_id or self.workspace.bot.user_id)

    def archive(self, channel: str, *, archived: bool = True) -> None:
        self.workspace.archive(self._channel_id(channel), archived=archived)

    def revoke_token(self, error: str = "token_revoked") -> None:
        """The app is uninstalled or its token revoked: every call answers ``error``
        (``token_revoked``, ``account_inactive``, ``invalid_auth``) until restored."""
        self._revoked = error

    def restore_token(self) -> None:
        self._revoked = None

    def _channel_id(self, channel: str) -> str:
        channel_id = self.workspace.resolve(channel, open_dm=False)
        if channel_id is None or self.workspace.channel(channel_id) is None:
            raise KeyError(f"no channel {channel!r} in the workspace")
        return channel_id

    # What tests read --------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        return self._log.calls(method)

    def reset_calls(self) -> None:
        self._log.reset()

    def messages(
        self, channel: str, thread_ts: str | None = None, after: str | None = None
    ) -> list[Message]:
        """Current messages (after updates and deletes) of a channel id, ``#name`` or user's DM;
        ``after`` a ts keeps only newer ones."""
        channel_id = self.workspace.resolve(channel, open_dm=False)
        return self.store.messages(channel_id, thread_ts, after) if channel_id else []

    def ephemerals(self, user: str) -> list[Message]:
        return self.store.ephemerals(user)

    def home(self, user: str) -> View | None:
        return self.store.home(user)

    def open_views(self, user: str) -> list[View]:
        """The user's modal stack, bottom first."""
        return self.store.modals(user)

    def files(self) -> list[StoredFile]:
        return self.store.files()

    def shown(self, text: str) -> str:
        """Message text as a reader sees it in Slack: mentions by name, channels by name
        (`rendering`)."""
        return rendering.shown(text, self.workspace)

    def responses(self, user: str | None = None) -> list[ResponsePost]:
        """Replies the app made to interactions: posts to ``response_url``s, and slash
        command acks with content (``via="ack"``)."""
        return self.response_urls.posts(user)

    # Routes (called by the HTTP server) -------------------------------------------------

    def serve_api(self, method: str, args: dict[str, Any], token: str | None) -> Reply:
        """A Web API call: outage, faults, token, rate limit, then the method; all recorded."""
        args = normalize(args)
        reply = self._answer(method, args, token)
        assert not isinstance(reply.body, str)  # Web API answers are always JSON
        self._log.record(method, args, reply.status, dict(reply.body))
        return reply

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> Reply:
        if self.faults.outage:
            return _UNAVAILABLE
        fault = self.faults.draw(method)
        if fault is not None:
            return self._fault(fault)
        if not token:
            return Reply(200, ApiError("not_authed").body())
        if method == "apps.connections.open":
            return self._connections_open(token)
        if token != self.bot_token:
            return Reply(200, ApiError("invalid_auth").body())
        if self._revoked is not None:
            return Reply(200, ApiError(self._revoked).body())
        retry_after = self.rate_limits.admit(method)
        if retry_after is not None:
            return _ratelimited(retry_after)
        scopes = {"X-OAuth-Scopes": ",".join(self.workspace.bot.scopes)}
        try:
            return Reply(200, self.web_api.call(method, args), headers=scopes)
        except ApiError as refusal:
            return Reply(200, refusal.body(), headers=scopes)
        except Exception:  # an emulator bug or an argument of a type no method expects
            _log.exception("emulator failed on %s %r", method, args)
            return _FAILED

    def _connections_open(self, token: str) -> Reply:
        """Socket Mode's WebSocket URL: for the app-level token only, good for one connection."""
        if token == self.bot_token:
            return Reply(200, ApiError("not_allowed_token_type").body())
        if token != self.app_token:
            return Reply(200, ApiError("invalid_auth").body())
        url = self.url.replace("http://", "ws://", 1)
        return Reply(200, {"ok": True, "url": f"{url}link/?ticket={self.links.ticket()}"})

    def redeem_link(self, ticket: str) -> bool:
        """Whether a Socket Mode URL's ticket is good (once)."""
        return self.links.redeem(ticket)

    def open_link(self, link: Link) -> None:
        """A Socket Mode connection: say hello, then push requests to it."""
        self.links.add(link)
        app = self.workspace.bot.app_id
        link.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": app}})

    def _fault(self, fault: Fault) -> Reply:
        if fault.kind == 429:
            return _ratelimited(fault.retry_after)
        if fault.kind == "timeout":
            self._stopping.wait(fault.hold)
        return _UNAVAILABLE if fault.kind == 503 else _FAILED

    def serve_upload(self, file_id: str, data: bytes) -> Reply:
        """The upload URL: Slack answers ``OK - <size>`` as plain text."""
        with self.store.lock:
            stored = self.store.file(file_id)
            if stored is None:
                return Reply(404, "file_not_found")
            stored.content = data
        return Reply(200, f"OK - {len(data)}")

    def serve_response(self, url_id: str, payload: dict[str, Any]) -> Reply:
        post = self.response_urls.post(url_id, payload)
        if post is None:
            return Reply(404, {"ok": False, "error": "no_such_response_url"})
        if post.error is not None:
            return Reply(400, {"ok": False, "error": post.error})
        return Reply(200, {"ok": True})


_UNAVAILABLE = Reply(503, {"ok": False, "error": "service_unavailable"})
_FAILED = Reply(500, {"ok": False, "error": "fatal_error"})


def _ratelimited(retry_after: int) -> Reply:
    return Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
