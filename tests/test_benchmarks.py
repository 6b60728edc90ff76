"""Every benchmark command runs end to end (on tiny data here; `make bench` runs them full size)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from benchmarks.load import run_load
from slack_emulator.actor import sign

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("module", "arguments", "expected"),
    [
        ("benchmarks.ack_latency", ["--seconds", "1", "--clients", "2"], "p99 ratio sherpa/bare"),
        ("benchmarks.checkin_planning", ["--people", "300", "--accounts", "150"], "s"),
        ("benchmarks.checkin_fanout", ["--people", "60", "--database", "sqlite"], "lost"),
        ("benchmarks.digest", ["--accounts", "20", "--weeks", "8"], "SQL"),
        ("benchmarks.claim", ["--rows", "400", "--repeat", "2", "--database", "sqlite"], "CPU"),
        ("benchmarks.action_latency", ["--quick", "--database", "sqlite"], "duplicated"),
    ],
)
def test_benchmark_runs(module: str, arguments: list[str], expected: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", module, *arguments], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert expected in result.stdout


class _Counter(BaseHTTPRequestHandler):
    """Answers a signed POST by its body: "ok" 200, "fail" 500; every third request on a
    connection is answered with `Connection: close`."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, bool]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        stamp = self.headers["X-Slack-Request-Timestamp"]
        signed = self.headers["X-Slack-Signature"] == sign("secret", stamp, body)
        self.seen.append((body, signed))
        self.requests = getattr(self, "requests", 0) + 1
        answer = b'{"text": "hello"}'
        self.send_response(200 if body == "ok" else 500)
        self.send_header("Content-Length", str(len(answer)))
        if self.requests % 3 == 0:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def counter() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    _Counter.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_load_client_times_every_answer_and_counts_every_failure(
    counter: ThreadingHTTPServer,
) -> None:
    port = counter.server_address[1]
    form = "application/x-www-form-urlencoded"
    requests = [("command", form, "ok"), ("button", form, "fail")]
    result = run_load(port, "secret", requests, clients=4, seconds=0.5)
    sent = len(_Counter.seen)
    ok = [body for body, _ in _Counter.seen].count("ok")
    assert ok > 20 and all(signed for _, signed in _Counter.seen)
    assert len(result.latencies_ms["command"]) == ok  # every 200 timed, under its kind
    assert result.latencies_ms["button"] == [] and result.errors == {"button 500": sent - ok}
    assert result.in_acks["command"] == ok  # a command's ack body with text is shown
    assert all(0 < ms < 1000 for ms in result.latencies_ms["command"])


def test_the_load_client_counts_a_server_that_is_not_there() -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), _Counter) as gone:
        port = gone.server_address[1]  # bound, then closed: nothing listens on it
    result = run_load(port, "secret", [("command", "text/plain", "ok")], clients=2, seconds=0.2)
    assert result.count() == 0 and result.errors.get("ConnectionRefusedError", 0) > 0
