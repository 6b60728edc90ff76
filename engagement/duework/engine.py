"""Run everything that is due as of an instant: the heart of `sherpa tick` and the clock."""

from __future__ import annotations

import enum
import logging
import os
import socket
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engagement.clock import Clock, utcnow
from engagement.db import transaction
from engagement.duework.queue import LEASE, any_ready, claim, renew, schedule
from engagement.duework.registry import Registry, WorkContext
from engagement.models import DueWork, SchedulerBeat, WorkState
from engagement.notify import DeliveryError, Notifier, Undeliverable

log = logging.getLogger(__name__)

PLAN_KIND = "plan"
MAX_BACKOFF = timedelta(hours=1)
RENEW_EVERY = LEASE / 3
MAX_ATTEMPTS = 72
"""About three days of retries (the back-off reaches an hour after eight): then the row is
kept as failed for an operator, and no longer holds back the rest of its stream."""


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at an hour: Slack down for an hour loses nothing."""
    return min(timedelta(seconds=30 * 2 ** min(max(attempts - 1, 0), 8)), MAX_BACKOFF)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Outcome(enum.Enum):
    DONE = "done"
    RETRY = "retry"
    FAILED = "failed"
    TAKEN_OVER = "taken_over"


@dataclass
class RunReport:
    """What one run did, for logs, tests and `sherpa tick`'s output."""

    done: dict[str, int] = field(default_factory=dict)
    retried: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return sum(self.done.values())


@dataclass
class Engine:
    """Claims due rows and runs their handlers, each in its own transaction."""

    sessions: sessionmaker[Session]
    registry: Registry
    notifier: Notifier
    real_clock: Clock = utcnow
    worker: str = field(default_factory=worker_name)
    concurrency: int = 1
    stopping: threading.Event = field(default_factory=threading.Event)
    """Set on shutdown: claim nothing more, finish what is claimed, return."""

    def run_due(self, as_of: datetime) -> RunReport:
        """Run every row due at or before `as_of`, including work that running it makes due."""
        report = RunReport()
        with transaction(self.sessions) as session:
            self._ensure_plan(session, as_of)
        renewed = self.real_clock()
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            running: set[Future[tuple[str, Outcome]]] = set()
            while True:
                # Keep every worker busy: claim more as soon as the queue in hand runs low,
                # so one slow item (a 429 waiting out Retry-After) does not hold up the
                # others. Claim no more than can start soon: what a crashed process held
                # waits for its lease to run out.
                if len(running) <= self.concurrency and not self.stopping.is_set():
                    for work_id in self._claim(as_of, 2 * self.concurrency - len(running)):
                        running.add(pool.submit(self._run_one, work_id, as_of))
                if not running:
                    break
                finished, running = wait(
                    running, timeout=RENEW_EVERY.total_seconds(), return_when=FIRST_COMPLETED
                )
                if self.real_clock() - renewed >= RENEW_EVERY:
                    renewed = self.real_clock()
                    with transaction(self.sessions) as session:
                        renew(session, worker=self.worker, real_now=renewed)
                for future in finished:
                    kind, outcome = future.result()
                    if outcome is Outcome.DONE:
                        report.done[kind] = report.done.get(kind, 0) + 1
                    elif outcome is Outcome.RETRY:
                        report.retried += 1
                    elif outcome is Outcome.FAILED:
                        report.failed += 1
        self._beat()
        return report

    def _ensure_plan(self, session: Session, as_of: datetime) -> None:
        """One planning run per hour, whichever process gets there first."""
        if self.registry.planners:
            hour = as_of.replace(minute=0, second=0, microsecond=0)
            schedule(session, kind=PLAN_KIND, key=f"plan:{hour:%Y-%m-%dT%H}", due_at=hour)

    def _claim(self, as_of: datetime, limit: int) -> list[int]:
        """The next batch; empty only when nothing is ready (a lost race is tried again)."""
        while True:
            with transaction(self.sessions) as session:
                real_now = self.real_clock()
                ids = claim(
                    session,
                    as_of=as_of,
                    real_now=real_now,
                    worker=self.worker,
                    limit=limit,
                )
                if ids or not any_ready(session, as_of=as_of, real_now=real_now):
                    return ids

    def _run_one(self, work_id: int, as_of: datetime) -> tuple[str, Outcome]:
        kind = "?"
        try:
            with transaction(self.sessions) as session:
                item = session.get_one(DueWork, work_id)
                kind = item.kind
                if item.claimed_by != self.worker or item.state != WorkState.CLAIMED:
                    return kind, Outcome.TAKEN_OVER  # our lease ran out and another took it
                context = WorkContext(
                    session=session,
                    now=as_of,
                    notifier=self.notifier,
                    kind=item.kind,
                    key=item.key,
                    payload=dict(item.payload),
                    attempts=item.attempts,
                )
                if kind == PLAN_KIND:
                    self._plan(context)
                else:
                    self.registry.handlers[kind](context)
                item.state = WorkState.DONE
                item.done_at = self.real_clock()
                item.lease_until = None
            log.info("due_work.done kind=%s key=%s", kind, context.key)
            return kind, Outcome.DONE
        except Undeliverable as error:
            self._give_back(work_id, as_of, error, final=True)
            return kind, Outcome.FAILED
        except Exception as error:
            self._give_back(work_id, as_of, error, final=False)
            return kind, Outcome.RETRY

    def _plan(self, context: WorkContext) -> None:
        for name, planner in self.registry.planners.items():
            created = planner(context)
            log.info("due_work.planned planner=%s created=%d", name, created)

    def _give_back(self, work_id: int, as_of: datetime, error: Exception, *, final: bool) -> None:
        """Leave the row due with a retry time and a count, or failed for good; never lost."""
        with transaction(self.sessions) as session:
            item = session.get_one(DueWork, work_id)
            item.attempts += 1
            item.last_error = f"{type(error).__name__}: {error}"[:2000]
            item.lease_until = None
            final = final or item.attempts >= MAX_ATTEMPTS
            if final:
                item.state = WorkState.FAILED
            else:
                item.state = WorkState.DUE
                item.due_at = as_of + backoff(item.attempts)
            log.warning(
                "due_work.%s kind=%s key=%s attempts=%d error=%s",
                "failed" if final else "retry",
                item.kind,
                item.key,
                item.attempts,
                item.last_error,
                exc_info=not isinstance(error, DeliveryError),
            )

    def _beat(self) -> None:
        with transaction(self.sessions) as session:
            beat = session.get(SchedulerBeat, self.worker)
            if beat is None:
                session.add(SchedulerBeat(worker=self.worker, at=self.real_clock()))
            else:
                beat.at = self.real_clock()


def last_beat(session: Session) -> datetime | None:
    """When any scheduler last finished a run (for `/healthz`)."""
    return session.scalars(select(SchedulerBeat.at).order_by(SchedulerBeat.at.desc())).first()


def release(sessions: sessionmaker[Session], worker: str) -> int:
    """Give back this worker's claimed rows at shutdown so others need not wait for the lease."""
    with transaction(sessions) as session:
        result = session.execute(
            update(DueWork)
            .where(DueWork.claimed_by == worker, DueWork.state == WorkState.CLAIMED)
            .values(state=WorkState.DUE, lease_until=None)
        )
        return int(getattr(result, "rowcount", 0))
