"""Socket Mode, as Slack runs it: `apps.connections.open` (with an app-level token) gives a
one-time WebSocket URL; Slack says `hello` on it, then pushes each request as an envelope
and waits for the app to ack that envelope's ID, the ack's `payload` being what an HTTP
response body would have been.

Only what a Socket Mode client needs of RFC 6455: the opening handshake, unfragmented text
frames, ping/pong and close. Frames from the client must be masked, as the RFC requires.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import struct
import threading
from io import BufferedIOBase
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class Refused(Exception):
    """A frame Slack would not take: the connection is closed."""


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def read_frame(stream: BufferedIOBase) -> tuple[int, bytes]:
    """One whole frame from the client: (opcode, unmasked payload)."""
    head = _exactly(stream, 2)
    final, opcode, masked = head[0] & 0x80, head[0] & 0x0F, head[1] & 0x80
    if not final or not masked:
        raise Refused("fragmented or unmasked frame")
    length = head[1] & 0x7F
    if length == 126:
        length = struct.unpack("!H", _exactly(stream, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", _exactly(stream, 8))[0]
    mask = _exactly(stream, 4)
    data = _exactly(stream, length)
    return opcode, bytes(byte ^ mask[index % 4] for index, byte in enumerate(data))


def frame(opcode: int, data: bytes) -> bytes:
    """A server frame: final, unmasked."""
    length = len(data)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    return head + data


def _exactly(stream: BufferedIOBase, size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) < size:
        raise ConnectionError("the client closed the connection")
    return data


class Link:
    """One open Socket Mode connection: push envelopes, wait for their acks."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self._acks: dict[str, tuple[threading.Event, list[dict[str, Any]]]] = {}
        self.open = True

    def send(self, opcode: int, data: bytes) -> None:
        with self._lock:
            self._sock.sendall(frame(opcode, data))

    def send_json(self, message: dict[str, Any]) -> None:
        self.send(TEXT, json.dumps(message).encode())

    def push(self, kind: str, payload: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """Send an envelope; its ack (None when none came within `timeout`)."""
        envelope_id = secrets.token_hex(16)
        arrived = threading.Event()
        slot: list[dict[str, Any]] = []
        self._acks[envelope_id] = (arrived, slot)
        try:
            self.send_json(
                {
                    "envelope_id": envelope_id,
                    "type": kind,
                    "payload": payload,
                    "accepts_response_payload": kind != "events_api",
                    "retry_attempt": 0,
                    "retry_reason": "",
                }
            )
            return slot[0] if arrived.wait(timeout) and slot else None
        finally:
            self._acks.pop(envelope_id, None)

    def serve(self, stream: BufferedIOBase) -> None:
        """Read the client's frames until it closes: acks, pings, close."""
        try:
            while self.open:
                try:
                    opcode, data = read_frame(stream)
                except TimeoutError:
                    continue  # idle; the client pings to keep it open
                if opcode == PING:
                    self.send(PONG, data)
                elif opcode == CLOSE:
                    self.send(CLOSE, data[:2])
                    return
                elif opcode == TEXT:
                    self._ack(json.loads(data))
        except (Refused, ConnectionError, OSError, ValueError):
            return
        finally:
            self.open = False

    def _ack(self, message: Any) -> None:
        waiting = (
            self._acks.get(str(message.get("envelope_id"))) if isinstance(message, dict) else None
        )
        if waiting is not None:
            arrived, slot = waiting
            slot.append(message)
            arrived.set()


class Links:
    """The tickets `apps.connections.open` handed out, and the connections made with them."""

    def __init__(self) -> None:
        self._tickets: set[str] = set()
        self._open: list[Link] = []
        self._lock = threading.Condition()

    def ticket(self) -> str:
        ticket = secrets.token_hex(16)
        with self._lock:
            self._tickets.add(ticket)
        return ticket

    def redeem(self, ticket: str) -> bool:
        """A ticket opens one connection, once."""
        with self._lock:
            if ticket not in self._tickets:
                return False
            self._tickets.discard(ticket)
            return True

    def add(self, link: Link) -> None:
        with self._lock:
            self._open.append(link)
            self._lock.notify_all()

    def wait(self, timeout: float) -> bool:
        """Whether the app has (or opens within `timeout`) a connection."""
        with self._lock:
            return self._lock.wait_for(lambda: any(link.open for link in self._open), timeout)

    def current(self) -> Link | None:
        """The newest open connection (Slack picks any of the app's connections)."""
        with self._lock:
            self._open = [link for link in self._open if link.open]
            return self._open[-1] if self._open else None
