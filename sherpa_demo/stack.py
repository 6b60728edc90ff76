"""Sherpa's real HTTP endpoint on loopback, in a thread, talking to the bundled Slack emulator.

Used by `sherpa demo` and by the end-to-end tests: requests reach Sherpa signed, over
HTTP, exactly as Slack sends them; Sherpa calls the emulator with the unmodified WebClient.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot import root
from bot.runtime import Runtime
from bot.surfaces import Surfaces
from engagement.clock import Clock, utcnow
from engagement.duework.engine import RunReport
from engagement.settings import load_settings
from slack_emulator import Emulator
from slack_emulator.actor import Actor


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Stack:
    """The emulator, Sherpa's runtime and its HTTP server, wired as in production."""

    emulator: Emulator
    runtime: Runtime
    surfaces: Surfaces
    url: str

    @property
    def slack(self) -> Actor:
        """Slack's side: signed slash commands, clicks, submissions and events."""
        return self.emulator.actor

    def settle(self) -> None:
        """Wait for the work listeners do after acking (no sleeps: the pool says when)."""
        assert self.runtime.wait_idle(), "listeners still busy after 30 s"

    def tick(self, at: datetime) -> RunReport:
        """What `sherpa tick --at` does, in-process."""
        return self.runtime.due_engine().run_due(at)


@contextmanager
def running_stack(
    database_url: str,
    workspace: dict[str, Any],
    *,
    admins: str = "",
    clock: Clock = utcnow,
    clock_expected: bool = False,
    socket_mode: bool = False,
) -> Iterator[Stack]:
    """`clock_expected`: `/healthz` counts a silent clock (tests play the clock with `tick`).
    With `socket_mode`, Slack's requests come over a Socket Mode connection (as with
    `sherpa dev`) instead of to the HTTP endpoint."""
    with Emulator(workspace) as emulator, contextlib.ExitStack() as connections:
        settings = load_settings(
            slack_bot_token=emulator.bot_token,
            slack_signing_secret=emulator.signing_secret,
            slack_app_token=emulator.app_token,
            slack_api_url=emulator.api_url,
            database_url=database_url,
            sherpa_admins=admins,
        )
        sherpa = root.start(settings, clock=clock)
        runtime = sherpa.runtime
        if socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            handler = SocketModeHandler(
                sherpa.app(signing_secret_required=False), emulator.app_token
            )
            handler.connect()  # type: ignore[no-untyped-call]
            connections.callback(handler.close)
            assert emulator.links.wait(10), "Sherpa did not open its Socket Mode connection"
        server = make_server(
            "127.0.0.1",
            0,
            sherpa.web_app(clock_expected=clock_expected),
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}/slack/events"
        emulator.app_url = url
        try:
            yield Stack(emulator=emulator, runtime=runtime, surfaces=sherpa.surfaces, url=url)
        finally:
            runtime.wait_idle()
            server.shutdown()
            server.server_close()
            runtime.engine.dispose()
