"""Places for work, and lending a place while the work waits on Slack.

The follow-up pool (`bot/executor.py`) and the due-work engine (`duework/engine.py`) both
run work in more threads than places: work runs while it holds a place (`Places.held`),
so no more than that many pieces compete for the interpreter and the database. Around a
wait on Slack (`waiting`) the work lends its place to other work, and takes it back (or
the next free one) when the wait is over.

The notifier says what it waits for: `Wait.REPLY` around a call in flight, `Wait.RETRY`
around a wait Slack asked for before a retry (a Retry-After, a back-off after a 5xx).
Whoever owns the places chooses which waits lend them: the follow-up pool lends during
both (replies waiting on Slack do not fill it), the due-work engine only during retries
(its places also bound the calls it has in flight to Slack). A wait inside a wait lends
the place once. Outside held places `waiting` changes nothing.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


class Wait(enum.Enum):
    REPLY = "reply"
    """A call to Slack in flight: waiting for its answer."""
    RETRY = "retry"
    """A wait Slack asked for before trying again (Retry-After, a back-off)."""


class Places:
    """`count` places for work at a time, lent during the waits in `lent_during`."""

    def __init__(self, count: int, *, lent_during: Collection[Wait] = frozenset(Wait)) -> None:
        if count < 1:
            raise ValueError("work needs at least one place")
        self._free = threading.Semaphore(count)
        self.lent_during = frozenset(lent_during)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run the block in a place (waiting for one to be free); `waiting` may lend it."""
        with self._free:
            token = _held.set(_Hold(self))
            try:
                yield
            finally:
                _held.reset(token)

    def _lend(self) -> None:
        self._free.release()

    def _take_back(self) -> None:
        self._free.acquire()


@dataclass
class _Hold:
    places: Places
    lent: bool = False


_held: ContextVar[_Hold | None] = ContextVar("place_held", default=None)


@contextmanager
def waiting(wait: Wait) -> Iterator[None]:
    """Around a wait on Slack: the place held here, if any, goes to other work meanwhile
    (when its owner lends during this kind of wait)."""
    hold = _held.get()
    if hold is None or hold.lent or wait not in hold.places.lent_during:
        yield
        return
    hold.lent = True
    hold.places._lend()
    try:
        yield
    finally:
        hold.places._take_back()
        hold.lent = False
