"""Run everything that is due as of an instant: the heart of `sherpa tick` and the clock."""

from __future__ import annotations

import enum
import logging
import os
import socket
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from queue import Empty, SimpleQueue

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from engagement.admins import admin_ids
from engagement.clock import Clock, utcnow
from engagement.db import error_summary, failed_statement, transaction
from engagement.duework.heartbeat import beat
from engagement.duework.queue import (
    LEASE,
    any_ready,
    claim,
    renew,
    schedule,
    still_claimed,
    take,
)
from engagement.duework.registry import PLAN_KIND, Registry, UnknownKind, WorkContext
from engagement.models import DueWork, WorkState
from engagement.notify import Blocked, DeliveryError, Notifier, SendingStopped, Undeliverable
from engagement.places import Places, Wait

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)
CLAIM_TRIES = 20
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
    STOPPED = "stopped"
    """Slack refuses the token: the row waits, and the run claims nothing more."""


class _Unregistered(UnknownKind):
    """A claimed row of a kind the engine's registry does not know."""


@dataclass
class RunReport:
    """What one run did, for logs, tests and `sherpa tick`'s output."""

    done: dict[str, int] = field(default_factory=dict)
    retried: int = 0
    failed: int = 0
    unfinished: dict[str, int] = field(default_factory=dict)
    """Per kind, the rows left for a retry or failed for good."""

    def count(self, kind: str, outcome: Outcome) -> None:
        if outcome is Outcome.DONE:
            self.done[kind] = self.done.get(kind, 0) + 1
        elif outcome in (Outcome.RETRY, Outcome.STOPPED, Outcome.FAILED):
            self.unfinished[kind] = self.unfinished.get(kind, 0) + 1
            if outcome is Outcome.FAILED:
                self.failed += 1
            else:
                self.retried += 1

    @property
    def total(self) -> int:
        return sum(self.done.values())


@dataclass
class Engine:
    """Claims due rows and runs their handlers, each in its own transaction.

    Each transaction schedules for `registry` (`Registry.bind`). A row of a kind it does
    not know is marked failed at once, and logged: retrying would not make it known.

    `concurrency` items are worked on at a time. A worker that Slack keeps waiting (a
    Retry-After, a back-off before retrying a 5xx) lends its place to another item
    meanwhile, so a few refusals do not idle a paced fan-out; up to `concurrency` spare
    workers stand in. Not on SQLite: its one writer is the waiting worker's transaction.
    """

    sessions: sessionmaker[Session]
    registry: Registry
    notifier: Notifier
    real_clock: Clock = utcnow
    worker: str = field(default_factory=worker_name)
    concurrency: int = 1
    stopping: threading.Event = field(default_factory=threading.Event)
    """Set on shutdown: claim nothing more, finish what is claimed, return."""
    admins: frozenset[str] = frozenset()
    """`SHERPA_ADMINS`, the seed of the admins the handlers get (`WorkContext.admins`,
    read once per run: `engagement.admins.admin_ids`)."""
    may_send: Callable[[], bool] | None = None
    """Asked before each run: False (Slack refuses the token) claims nothing, rows stay due."""

    def run_due(self, as_of: datetime) -> RunReport:
        """Run every row due at or before `as_of`, including work that running it makes due."""
        report = RunReport()
        if self.may_send is not None and not self.may_send():
            with transaction(self.sessions) as session:  # alive, only not sending
                beat(session, self.worker, self.real_clock())
            return report
        with transaction(self.sessions) as session:
            self._ensure_plan(self.registry.bind(session), as_of)
            beat(session, self.worker, self.real_clock())
            admins = admin_ids(session, self.admins)
            one_writer = session.get_bind().dialect.name == "sqlite"
        workers = self.concurrency if one_writer else 2 * self.concurrency
        held = workers + self.concurrency
        places = Places(self.concurrency, lent_during={Wait.RETRY})
        claimed: deque[int] = deque()
        finished: SimpleQueue[Future[tuple[str, Outcome]]] = SimpleQueue()
        renewed = self.real_clock()
        halted = False  # sending stopped: finish what is claimed, claim nothing more
        with ThreadPoolExecutor(max_workers=workers) as pool:
            running = 0
            while True:
                # Keep every worker busy: claim more while `concurrency` items are still
                # queued, so no worker idles while the claim runs (one waiting out a
                # Retry-After does not hold up a batch either). Claim no more than can
                # start soon: what a crashed process held waits for its lease to run out.
                if running <= workers and not self.stopping.is_set() and not halted:
                    for work_id in self._claim(as_of, held - running):
                        claimed.append(work_id)
                        future = pool.submit(self._run_next, claimed, as_of, places, admins)
                        future.add_done_callback(finished.put)
                        running += 1
                if not running:
                    break
                try:  # one at a time: no scan of everything in flight
                    done: Future[tuple[str, Outcome]] | None = finished.get(
                        timeout=RENEW_EVERY.total_seconds()
                    )
                except Empty:
                    done = None
                if self.real_clock() - renewed >= RENEW_EVERY:
                    renewed = self.real_clock()
                    with transaction(self.sessions) as session:
                        renew(session, worker=self.worker, real_now=renewed)
                        beat(session, self.worker, renewed)
                if done is not None:
                    running -= 1
                    kind, outcome = done.result()
                    report.count(kind, outcome)
                    halted = halted or outcome is Outcome.STOPPED
        return report

    def _ensure_plan(self, session: Session, as_of: datetime) -> None:
        """One planning run per hour, whichever process gets there first."""
        if self.registry.planners:
            hour = as_of.replace(minute=0, second=0, microsecond=0)
            schedule(session, kind=PLAN_KIND, key=f"plan:{hour:%Y-%m-%dT%H}", due_at=hour)

    def _claim(self, as_of: datetime, limit: int) -> list[int]:
        """The next batch; empty when nothing is ready.

        A lost race (another process locked the candidates) is tried again, a few times:
        ready rows that stay locked are being run elsewhere (a run outliving its lease
        keeps its row locked until it commits), so waiting on them would only spin.
        """
        for _ in range(CLAIM_TRIES):
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
        return []

    def _run_next(
        self, claimed: deque[int], as_of: datetime, places: Places, admins: frozenset[str]
    ) -> tuple[str, Outcome]:
        """Run the oldest claimed item once a place is free: items start in claim order."""
        with places.held():
            return self._run_one(claimed.popleft(), as_of, admins)

    def _run_one(
        self, work_id: int, as_of: datetime, admins: frozenset[str]
    ) -> tuple[str, Outcome]:
        kind = "?"
        try:
            with transaction(self.sessions) as session:
                self.registry.bind(session)
                taken = take(
                    session, work_id=work_id, worker=self.worker, real_now=self.real_clock()
                )
                if taken is None:
                    return kind, Outcome.TAKEN_OVER  # our lease ran out and another took it
                kind = taken.kind
                if not self.registry.knows(kind):
                    raise _Unregistered(f"no feature registered the due-work kind {kind!r}")
                context = WorkContext(
                    session=session,
                    now=as_of,
                    notifier=self.notifier,
                    kind=kind,
                    key=taken.key,
                    payload=taken.payload,
                    attempts=taken.attempts,
                    admins=admins,
                )
                if kind == PLAN_KIND:
                    self._plan(context)
                else:
                    self.registry.handlers[kind](context)
                if taken.last_error:
                    for clear in self.registry.clears:
                        clear(session, taken.last_error, as_of)
            log.info("due_work.done kind=%s key=%s", kind, context.key)
            return kind, Outcome.DONE
        except _Unregistered as error:
            log.error("due_work.unknown_kind kind=%s: nothing runs it", kind)
            self._give_back(work_id, as_of, error, final=True)
            return kind, Outcome.FAILED
        except Undeliverable as error:
            self._give_back(work_id, as_of, error, final=True)
            return kind, Outcome.FAILED
        except Blocked as error:
            self._hold(work_id, as_of, error)
            return kind, Outcome.STOPPED if isinstance(error, SendingStopped) else Outcome.RETRY
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
            item = still_claimed(session, work_id=work_id, worker=self.worker)
            if item is None:
                _taken_over(work_id, error)
                return
            item.attempts += 1
            item.last_error = error_summary(error)[:2000]
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
                exc_info=not isinstance(error, DeliveryError | _Unregistered)
                and failed_statement(error) is None,
            )

    def _hold(self, work_id: int, as_of: datetime, error: Blocked) -> None:
        """Slack refuses until someone acts: the row waits, its attempts not counted, so it
        never fails for it. While sending is stopped it stays due as it is (nothing is
        claimed meanwhile); a refusing channel's row is tried again at the next hour's
        planning run (or at once, on *Retry now*). The registry's holds run alongside."""
        with transaction(self.sessions) as session:
            self.registry.bind(session)
            for hold in self.registry.holds:
                hold(session, error, as_of)
            item = still_claimed(session, work_id=work_id, worker=self.worker)
            if item is None:
                _taken_over(work_id, error)
                return
            item.state = WorkState.DUE
            item.lease_until = None
            item.last_error = str(error)[:2000]
            if not isinstance(error, SendingStopped):
                item.due_at = as_of.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            log.warning(
                "due_work.waiting kind=%s key=%s until=%s error=%s",
                item.kind,
                item.key,
                item.due_at.isoformat(),
                item.last_error,
            )


def _taken_over(work_id: int, error: Exception) -> None:
    log.warning(
        "due_work.taken_over id=%d error=%s: another process claimed it meanwhile; its run decides",
        work_id,
        error_summary(error)[:200],
    )


def release(sessions: sessionmaker[Session], worker: str) -> int:
    """Give back this worker's claimed rows at shutdown so others need not wait for the lease."""
    with transaction(sessions) as session:
        result = session.execute(
            update(DueWork)
            .where(DueWork.claimed_by == worker, DueWork.state == WorkState.CLAIMED)
            .values(state=WorkState.DUE, lease_until=None)
        )
        return int(getattr(result, "rowcount", 0))
