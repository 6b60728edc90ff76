"""Identifiers the emulator mints: Slack-shaped, unique, and repeatable across runs."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator


class Ids:
    """Counters per prefix, so ids are stable from one test run to the next (``V0000000001``)."""

    def __init__(self) -> None:
        self._counters: dict[str, Iterator[int]] = {}
        self._lock = threading.Lock()

    def next(self, prefix: str) -> str:
        with self._lock:
            counter = self._counters.setdefault(prefix, itertools.count(1))
            return f"{prefix}{next(counter):010d}"


class Timestamps:
    """Message timestamps as Slack writes them (``"1712345678.000123"``), strictly increasing.

    Slack uses the ``ts`` of a message as its id, so two posts in the same microsecond must
    still get different values.
    """

    def __init__(self) -> None:
        self._last = 0.0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            self._last = max(round(time.time(), 6), round(self._last + 0.000001, 6))
            return f"{self._last:.6f}"
