"""The clock process: APScheduler fires "run what is due now" every minute; the rows are the queue.

APScheduler keeps no jobs of its own (an in-memory store), so any number of clock
processes can run: the database claim decides who does each piece of work.
"""

from __future__ import annotations

import logging
import signal
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.runtime import Runtime
from engagement.clock import utcnow
from engagement.duework.engine import release

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
    """Seconds between runs: a minute of Sherpa's time (shorter only in a rehearsal)."""
    rehearsal = runtime.settings.sherpa_rehearsal_clock
    return max(MINIMUM_INTERVAL, 60 / rehearsal.speed) if rehearsal else 60.0


def _add_job(scheduler: BlockingScheduler | BackgroundScheduler, runtime: Runtime) -> None:
    scheduler.add_job(
        _job,
        IntervalTrigger(seconds=interval(runtime)),
        args=[runtime],
        id="run-due",
        next_run_time=utcnow(),
        coalesce=True,
        max_instances=1,
        misfire_grace_time=30,
    )


def run_clock(runtime: Runtime) -> None:
    """Block, running due work every minute, until SIGTERM or SIGINT; then finish the rows
    already claimed (claiming no more) and give back any left."""
    scheduler = BlockingScheduler(timezone="UTC")
    _add_job(scheduler, runtime)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("clock.stopping signal=%d", signum)
        runtime.stopping.set()
        scheduler.shutdown(wait=True)  # the run in progress finishes what it claimed

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("clock.started interval=%gs", interval(runtime))
    scheduler.start()
    released = release(runtime.sessions, runtime.due_engine().worker)
    log.info("clock.stopped released=%d", released)


def start_background_clock(runtime: Runtime) -> BackgroundScheduler:
    """The same job inside a web or dev process (`sherpa serve` without --no-scheduler)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    _add_job(scheduler, runtime)
    scheduler.start()
    return scheduler
