"""Per-method rate limits, so the app's 429 handling is exercised as it will be against Slack."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Window:
    calls: int
    seconds: float
    accepted: deque[float] = field(default_factory=deque)


LOOKUP_TIERS = {"users.info": 100, "users.lookupByEmail": 50}
"""Calls a minute Slack allows the profile look-ups, per app and workspace: `users.info` is
a Tier 4 method (100+ a minute), `users.lookupByEmail` Tier 3 (50+)."""


class RateLimits:
    """Sliding windows on an injectable clock: at most ``calls`` per ``seconds`` per method."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def set(self, method: str, calls: int, per_seconds: float = 1.0) -> None:
        """Limit ``method`` (e.g. ``"chat.postMessage"``) to ``calls`` per ``per_seconds``."""
        if calls < 1 or per_seconds <= 0:
            raise ValueError("a rate limit needs calls >= 1 and per_seconds > 0")
        with self._lock:
            self._windows[method] = _Window(calls, per_seconds)

    def lookup_tiers(self) -> None:
        """Limit the profile look-ups to their Slack tiers (`LOOKUP_TIERS`), a minute being
        one on this clock: a real minute, as Slack counts, unless a test gives another."""
        for method, calls in LOOKUP_TIERS.items():
            self.set(method, calls, 60.0)

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()

    def admit(self, method: str) -> int | None:
        """Count one call; None if allowed, else the ``Retry-After`` seconds (at least 1)."""
        with self._lock:
            window = self._windows.get(method)
            if window is None:
                return None
            now = self._clock()
            while window.accepted and window.accepted[0] <= now - window.seconds:
                window.accepted.popleft()
            if len(window.accepted) < window.calls:
                window.accepted.append(now)
                return None
            return max(1, math.ceil(window.accepted[0] + window.seconds - now))
