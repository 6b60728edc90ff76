"""Many people at once: signed Slack requests from concurrent kept-alive connections, timed.

Used by the acknowledgement benchmark and by the reliability suite's load scenario. Each
client sends its requests back to back (a closed loop), cycling through `requests`.

All clients run in one thread, on an event loop, as load generators such as wrk do. The
load shares the machine with the server it measures: a thread per client, each building
its request and parsing its answer with http.client, took a third of a core at 2,400
requests a second, and put the threads' own waits for the GIL into the timings.

Clients join one at a time, every `JOIN_EVERY`, as people arrive over time. Twenty
connections opened in the same instant nearly all went to whichever gunicorn worker woke
first (17 of 20 on one), and a worker keeps its kept-alive connections for the whole run.
"""

from __future__ import annotations

import json
import selectors
import socket
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from slack_emulator.actor import sign

Request = tuple[str, str, str]
"""(kind, content type, body), e.g. ("command", "application/x-www-form-urlencoded", …)."""


@dataclass
class LoadResult:
    """Ack latencies per kind, failures by what failed, and the replies the acks carried."""

    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    in_acks: Counter[str] = field(default_factory=Counter)

    def count(self) -> int:
        return sum(len(values) for values in self.latencies_ms.values())

    def sent(self) -> Counter[str]:
        return Counter({kind: len(values) for kind, values in self.latencies_ms.items()})


def shown_in_ack(kind: str, body: bytes) -> bool:
    """Slack shows the person a slash command's ack body; a button's it ignores."""
    if kind != "command" or not body:
        return False
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    return isinstance(answer, dict) and bool(answer.get("text") or answer.get("blocks"))


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def run_load(
    port: int,
    secret: str,
    requests: Sequence[Request],
    *,
    clients: int,
    seconds: float,
    path: str = "/slack/events",
    replied: Callable[[str, bytes], bool] = shown_in_ack,
) -> LoadResult:
    """`clients` connections for `seconds`; a failed request is counted by kind of failure
    (status or exception), and its client reconnects."""
    result = LoadResult({kind: [] for kind, _, _ in requests})
    wire = _Wire(secret, path, requests)
    selector = selectors.DefaultSelector()
    deadline = time.monotonic() + seconds
    joining = [_Client(port, turn) for turn in range(clients - 1, -1, -1)]
    idle: list[_Client] = []  # each to (re)connect and send
    next_join = time.monotonic()

    def count(what: str) -> None:
        result.errors[what] = result.errors.get(what, 0) + 1

    def failed(client: _Client, what: str) -> None:
        count(what)
        client.close(selector)

    while time.monotonic() < deadline or selector.get_map():
        now = time.monotonic()
        running = now < deadline
        if joining and now >= next_join:
            idle.append(joining.pop())
            next_join += JOIN_EVERY
        for client in idle:
            try:
                if running:
                    client.send(wire, selector)
                else:
                    client.close(selector)
            except OSError as error:  # not taking connections: retried on the next round
                failed(client, type(error).__name__)
        idle = [client for client in idle if running and not client.in_flight]
        for key, _ in selector.select(timeout=JOIN_EVERY if idle or joining else 0.1):
            client = key.data
            try:
                answer = client.receive()
            except (OSError, ValueError, IndexError) as error:  # IndexError: no status line
                failed(client, type(error).__name__)
                idle.append(client)
                continue
            if answer is None:
                continue
            elapsed, status, body, closes = answer
            if status == 200:
                result.latencies_ms[client.kind].append(elapsed)
                result.in_acks[client.kind] += replied(client.kind, body)
            else:
                count(f"{client.kind} {status}")
            if closes:
                client.close(selector)
            idle.append(client)
        for client in [key.data for key in selector.get_map().values()]:
            if client.overdue():
                failed(client, "TimeoutError")
                idle.append(client)
    selector.close()
    return result


TIMEOUT = 30.0
"""Seconds a request may take before it counts as failed."""
JOIN_EVERY = 0.002
"""Seconds between two clients joining."""


class _Wire:
    """Each request as bytes on the wire, signed with the current second's timestamp
    (signed once a second, not once a request)."""

    def __init__(self, secret: str, path: str, requests: Sequence[Request]) -> None:
        self.secret, self.path, self.requests = secret, path, requests
        self._signed: dict[int, tuple[str, bytes]] = {}

    def request(self, turn: int) -> tuple[str, bytes]:
        index = turn % len(self.requests)
        kind, content_type, body = self.requests[index]
        stamp = str(int(time.time()))
        signed = self._signed.get(index)
        if signed is None or signed[0] != stamp:
            data = body.encode()
            head = (
                f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(data)}\r\n"
                f"X-Slack-Request-Timestamp: {stamp}\r\n"
                f"X-Slack-Signature: {sign(self.secret, stamp, body)}\r\n\r\n"
            )
            signed = self._signed[index] = (stamp, head.encode() + data)
        return kind, signed[1]


class _Client:
    """One person on one kept-alive connection, with at most one request in flight."""

    def __init__(self, port: int, turn: int) -> None:
        self.port, self.turn = port, turn
        self.connection: socket.socket | None = None
        self.kind, self.started, self.received = "", 0.0, bytearray()
        self.in_flight = False

    def send(self, wire: _Wire, selector: selectors.BaseSelector) -> None:
        if self.connection is None:
            self.connection = socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            selector.register(self.connection, selectors.EVENT_READ, self)
        self.kind, data = wire.request(self.turn)
        self.turn += 1
        self.received.clear()
        self.started = time.perf_counter()
        self.in_flight = True
        self.connection.sendall(data)

    def receive(self) -> tuple[float, int, bytes, bool] | None:
        """(ms, status, body, whether the server closes) once the whole answer is in."""
        assert self.connection is not None
        chunk = self.connection.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        self.received += chunk
        head_end = self.received.find(b"\r\n\r\n")
        if head_end < 0:
            return None
        lines = bytes(self.received[:head_end]).split(b"\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(b":") for line in lines[1:])
        }
        if b"content-length" not in headers:
            raise ValueError("an answer without a Content-Length")
        end = head_end + 4 + int(headers[b"content-length"])
        if len(self.received) < end:
            return None
        self.in_flight = False
        elapsed = (time.perf_counter() - self.started) * 1000
        closes = headers.get(b"connection", b"").lower() == b"close"
        return elapsed, int(lines[0].split()[1]), bytes(self.received[head_end + 4 : end]), closes

    def overdue(self) -> bool:
        return self.in_flight and time.perf_counter() - self.started > TIMEOUT

    def close(self, selector: selectors.BaseSelector) -> None:
        if self.connection is not None:
            selector.unregister(self.connection)
            self.connection.close()
            self.connection = None
        self.in_flight = False
