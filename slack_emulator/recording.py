"""The record of every Web API call, for tests to assert on what the app asked of Slack."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Call:
    """One Web API request and the emulator's answer to it."""

    index: int
    method: str
    args: dict[str, Any]
    status: int
    ok: bool
    error: str | None
    response: dict[str, Any]
    at: float
    """When the emulator answered (`time.monotonic()`), for latency measurements."""


class CallLog:
    """Thread-safe, append-only list of calls; indexes keep growing across ``reset``."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._index = itertools.count()
        self._lock = threading.Lock()

    def record(self, method: str, args: dict[str, Any], status: int, body: dict[str, Any]) -> Call:
        with self._lock:
            call = Call(
                index=next(self._index),
                method=method,
                args=args,
                status=status,
                ok=bool(body.get("ok")),
                error=body.get("error"),
                response=body,
                at=time.monotonic(),
            )
            self._calls.append(call)
            return call

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
