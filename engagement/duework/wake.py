"""Waking the clock at once when a commit makes work due now: seconds, not a minute.

What a person does (an escalation raised, a click, a submission) is queued as due work in
the transaction that does it (`queue.schedule`), and the clock runs it. Rather than wait
for the clock's minute poll, which stays as the safety net and for work due later:

- on PostgreSQL, that transaction also issues `NOTIFY sherpa_due_work`, delivered only
  if it commits, and only once however many rows it added; every clock process
  `LISTEN`s (`listen`) and runs what is due at once;
- in a process that runs its own clock (`sherpa serve` without `--no-scheduler`, `sherpa
  dev`), the commit rings that clock's `Alarm` directly. On SQLite that is the only wake
  (a clock in another process waits for its poll): there the scheduler runs in the web.

Wakes coalesce: rings while the clock runs, or waits out its `GAP`, make one more run,
so a burst of commits wakes each clock a bounded number of times. The claim decides who
runs each row, as before: a wake only makes a clock look sooner.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from engagement.clock import Clock, as_utc

log = logging.getLogger(__name__)

CHANNEL = "sherpa_due_work"
GAP = 0.2
"""Seconds between the starts of two runs a wake causes, at least: a burst of commits
makes at most one run per gap in each clock process."""
LISTEN_TIMEOUT = 1.0
"""Seconds the listener waits for a notification before looking whether to stop."""
RECONNECT = (1.0, 30.0)
"""The listener's first and longest wait before connecting again after losing the database."""

_EARLIEST = "sherpa.due_work_earliest"
"""Where a session keeps the earliest due time of the rows its transaction added."""
_WAKE = "sherpa.due_work_wake"
"""Set between a commit that made work due now and the end of that commit."""


def added(session: Session, due_at: datetime) -> None:
    """Note that this transaction added due work due at `due_at` (`queue.schedule`)."""
    earliest = session.info.get(_EARLIEST)
    if earliest is None or as_utc(due_at) < earliest:
        session.info[_EARLIEST] = as_utc(due_at)


class Alarm:
    """Wake-ups that coalesce: any number of rings before a wait ends it once."""

    def __init__(self) -> None:
        self._rung = threading.Event()

    def ring(self) -> None:
        self._rung.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Until rung (True) or `timeout` seconds (False); a ring after this returns counts
        for the next wait, so a commit landing during a run makes one more run."""
        rung = self._rung.wait(timeout)
        self._rung.clear()
        return rung


def watch(sessions: sessionmaker[Session], *, clock: Clock, alarm: Alarm) -> None:
    """Make every transaction of `sessions` that adds work due by `clock()` wake the clocks:
    `NOTIFY` before it commits (PostgreSQL), and `alarm` once it has."""

    def before_commit(session: Session) -> None:
        earliest = session.info.pop(_EARLIEST, None)
        if earliest is None or earliest > clock():
            return
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text(f"NOTIFY {CHANNEL}"))
        session.info[_WAKE] = True

    def after_commit(session: Session) -> None:
        if session.info.pop(_WAKE, False):
            alarm.ring()

    def after_rollback(session: Session) -> None:
        session.info.pop(_EARLIEST, None)
        session.info.pop(_WAKE, None)

    event.listen(sessions, "before_commit", before_commit)
    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_rollback", after_rollback)


@dataclass
class Runner:
    """Runs `run` each time `alarm` rings, until `stopping`: at once after a quiet spell,
    otherwise `gap` seconds after the last run began; rings meanwhile make one run."""

    run: Callable[[], None]
    alarm: Alarm
    stopping: threading.Event
    gap: float = GAP
    monotonic: Callable[[], float] = time.monotonic
    pause: Callable[[float], Any] | None = None
    """Waits that many seconds (default: `stopping.wait`, so a stop cuts it short)."""
    runs: int = field(default=0, init=False)

    def serve(self) -> None:
        last = float("-inf")
        pause = self.pause or self.stopping.wait
        while True:
            self.alarm.wait()
            if self.stopping.is_set():
                return
            pause(max(0.0, last + self.gap - self.monotonic()))
            if self.stopping.is_set():
                return
            last = self.monotonic()
            self.runs += 1
            self.run()


def listen(engine: Engine, alarm: Alarm, stopping: threading.Event) -> None:
    """Ring `alarm` at every `NOTIFY` on PostgreSQL, until `stopping` (a thread's work).

    Its connection is its own (in autocommit, outside the pool). Losing the database is
    logged and the connection made again, with back-off; the alarm rings once it is back,
    for what was committed meanwhile.
    """
    wait = RECONNECT[0]
    first = True
    while not stopping.is_set():
        try:
            connection = _listening(engine)
        except Exception as error:
            log.warning("clock.listen_failed error=%s retry_in=%gs", type(error).__name__, wait)
            stopping.wait(wait)
            wait = min(2 * wait, RECONNECT[1])
            continue
        if not first:
            alarm.ring()
        first, wait = False, RECONNECT[0]
        try:
            while not stopping.is_set():
                for _ in connection.notifies(timeout=LISTEN_TIMEOUT):
                    alarm.ring()
        except Exception as error:
            log.warning("clock.listen_lost error=%s", type(error).__name__)
        finally:
            connection.close()


def _listening(engine: Engine) -> Any:
    """A psycopg connection of the engine's, out of its pool, listening on `CHANNEL`."""
    pooled = engine.raw_connection()
    connection = pooled.driver_connection
    pooled.detach()
    if connection is None:
        raise RuntimeError("the database driver gave no connection")
    connection.rollback()
    connection.autocommit = True
    connection.execute(f"LISTEN {CHANNEL}")
    return connection
