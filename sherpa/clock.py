"""The clock: runs what is due as soon as a commit makes it due, and every minute regardless.

A commit that queues work due now wakes the clock (`engagement.duework.wake`): through
`LISTEN` on PostgreSQL, whichever process committed, and directly in the process that
committed. APScheduler fires the minute poll, the safety net and the time for work due
later, from an in-memory store, so any number of clock processes can run: the database
claim decides who does each piece of work. One thread runs due work, one run at a time.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass, field
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.runtime import Runtime
from engagement.clock import utcnow
from engagement.duework.engine import release
from engagement.duework.wake import Runner, listen

log = logging.getLogger(__name__)

MINIMUM_INTERVAL = 0.5


def _job(runtime: Runtime) -> None:
    engine = runtime.due_engine()
    try:
        report = engine.run_due(runtime.clock())
    except Exception:
        log.exception("clock.run_failed")
        return
    if report.total or report.retried or report.failed:
        log.info(
            "clock.run done=%d retried=%d failed=%d", report.total, report.retried, report.failed
        )


def interval(runtime: Runtime) -> float:
    """Seconds between polls: a minute of Sherpa's time (shorter only in a rehearsal)."""
    rehearsal = runtime.settings.sherpa_rehearsal_clock
    return max(MINIMUM_INTERVAL, 60 / rehearsal.speed) if rehearsal else 60.0


@dataclass
class Clock:
    """A running clock: the poll, the thread that runs due work, and on PostgreSQL the
    thread that listens for commits elsewhere."""

    runtime: Runtime
    scheduler: BackgroundScheduler = field(init=False)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Clock:
        runtime = self.runtime
        runner = Runner(lambda: _job(runtime), runtime.alarm, runtime.stopping)
        self.threads.append(threading.Thread(target=runner.serve, name="clock", daemon=True))
        if runtime.engine.dialect.name == "postgresql":
            self.threads.append(threading.Thread(
                target=listen, args=(runtime.engine, runtime.alarm, runtime.stopping),
                name="clock-listen", daemon=True,
            ))  # fmt: skip
        for thread in self.threads:
            thread.start()
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self.scheduler.add_job(
            runtime.alarm.ring,
            IntervalTrigger(seconds=interval(runtime)),
            id="run-due",
            next_run_time=utcnow(),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=30,
        )
        self.scheduler.start()
        return self

    def stop(self) -> None:
        """Claim nothing more; the run in progress finishes what it claimed."""
        self.runtime.stopping.set()
        self.runtime.alarm.ring()

    def shutdown(self) -> None:
        """Stop, and wait for the run in progress."""
        self.stop()
        self.scheduler.shutdown(wait=True)
        for thread in self.threads:
            thread.join()


def run_clock(runtime: Runtime) -> None:
    """Block, running due work, until SIGTERM or SIGINT; then finish the rows already
    claimed (claiming no more) and give back any left."""
    clock = Clock(runtime).start()

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("clock.stopping signal=%d", signum)
        clock.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("clock.started interval=%gs", interval(runtime))
    clock.threads[0].join()
    clock.shutdown()
    released = release(runtime.sessions, runtime.due_engine().worker)
    log.info("clock.stopped released=%d", released)


def start_background_clock(runtime: Runtime) -> Clock:
    """The same inside a web or dev process (`sherpa serve` without --no-scheduler)."""
    return Clock(runtime).start()
