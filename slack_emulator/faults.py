"""Injected failures (429, 5xx, slow answers, outages) to test the app's retries and catch-up."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal[429, 500, 503, "timeout"]
ANY_METHOD = "*"


@dataclass
class Fault:
    """One rule: fail ``method`` the next ``times`` calls, or each call with probability ``ratio``.

    ``retry_after`` is the header sent with a 429; ``hold`` is how many seconds a ``timeout``
    fault keeps the request open before answering 500.
    """

    method: str
    kind: FaultKind
    times: int | None
    ratio: float | None
    retry_after: int
    hold: float
    rng: random.Random = field(repr=False)

    def fires(self, method: str) -> bool:
        """Whether this call fails; consumes one of ``times`` or one random draw."""
        if self.method not in (method, ANY_METHOD):
            return False
        if self.ratio is not None:
            return self.rng.random() < self.ratio
        if self.times:
            self.times -= 1
            return True
        return False


class Faults:
    """The fault rules of one emulator; the first rule that fires decides the answer."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._lock = threading.Lock()
        self.outage = False
        """While True every Web API call answers 503, as when Slack is down."""

    def add(
        self,
        method: str,
        kind: FaultKind,
        *,
        times: int | None = None,
        ratio: float | None = None,
        seed: int = 0,
        retry_after: int = 1,
        hold: float = 1.0,
    ) -> Fault:
        """Fail ``method`` (or ``"*"`` for every method) ``times`` times (default once),
        or with probability ``ratio`` on every call, drawn from ``random.Random(seed)``."""
        if times is not None and ratio is not None:
            raise ValueError("give times or ratio, not both")
        if ratio is not None and not 0.0 <= ratio <= 1.0:
            raise ValueError("ratio must be between 0 and 1")
        fault = Fault(
            method=method,
            kind=kind,
            times=1 if times is None and ratio is None else times,
            ratio=ratio,
            retry_after=retry_after,
            hold=hold,
            rng=random.Random(seed),
        )
        with self._lock:
            self._rules.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every rule and end any outage."""
        with self._lock:
            self._rules.clear()
            self.outage = False

    def draw(self, method: str) -> Fault | None:
        """The fault for this call, if any."""
        with self._lock:
            return next((rule for rule in self._rules if rule.fires(method)), None)
