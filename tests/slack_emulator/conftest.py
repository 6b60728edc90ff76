"""Fixtures for the emulator's tests: a small workspace, a started emulator, a client, a fake
clock, and a stand-in app that records what the actor sends it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_sdk import WebClient

from slack_emulator import Emulator

SAM, SPONSOR, OUTSIDER = "U0SAM0001", "U0SPN0001", "U0OUT0001"
ACME = "C0ACME0001"

WORKSPACE: dict[str, Any] = {
    "users": [
        {
            "id": SAM,
            "name": "sam",
            "real_name": "Sam Manager",
            "email": "sam@example.com",
            "tz": "America/New_York",
        },
        {
            "id": SPONSOR,
            "name": "pat",
            "real_name": "Pat Sponsor",
            "email": "Pat@Example.com",
            "tz": "Europe/Paris",
        },
        {"id": OUTSIDER, "name": "olu", "real_name": "Olu Outside", "tz": "Asia/Kolkata"},
    ],
    "channels": [
        {"id": ACME, "name": "acme-alliance", "members": [SAM, SPONSOR, "U0SHERPA00"]},
        {"id": "C0DIGEST01", "name": "sponsor-digest", "members": [SAM]},
    ],
}


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[Emulator]:
    with Emulator(WORKSPACE, clock=clock) as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> WebClient:
    return WebClient(token=emu.bot_token, base_url=emu.api_url, timeout=5)


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: str


Handler = Callable[[Received], tuple[int, str]]


class App:
    """A stand-in for Sherpa's HTTP endpoint: records requests, answers with ``handler``."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.handler: Handler = lambda _request: (200, "")
        app = self

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                request = Received(dict(self.headers.items()), body)
                app.received.append(request)
                status, answer = app.handler(request)
                data = answer.encode()
                self.send_response(status)
                content_type = "application/json" if answer.startswith("{") else "text/plain"
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/slack/events"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), daemon=True
        )
        self._thread.start()

    def answer_json(self, body: dict[str, Any]) -> None:
        self.handler = lambda _request: (200, json.dumps(body))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def app(emu: Emulator) -> Iterator[App]:
    stand_in = App()
    emu.app_url = stand_in.url
    yield stand_in
    stand_in.close()
