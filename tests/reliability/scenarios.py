"""The reliability scenarios, each run against the production shape and reported as a row.

Each returns a `Row` for the table `make reliability` prints, and the problems it found;
the quick tests in `make test` run the same scenarios at a small size.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from engagement.models import (
    Answer,
    CheckIn,
    CheckInState,
    DigestRun,
    DueWork,
    Escalation,
    WorkState,
)
from tests import pg
from tests.reliability.people import People, buttons
from tests.reliability.population import population
from tests.reliability.shape import Shape, production_shape

WEEK_START = datetime(2026, 11, 22, 12, tzinfo=UTC)
"""Sunday noon UTC: Monday 09:00 in Tokyo is twelve hours away."""


@dataclass
class Row:
    """One line of the table: what was checked and the counts it found."""

    scenario: str
    checked: str
    due: int = 0
    delivered: int = 0
    duplicated: int = 0
    lost: int = 0
    latency: str = "-"
    memory: str = "-"
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def require(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)


# --- what Slack saw ----------------------------------------------------------------------


def posted(shape: Shape) -> list[Any]:
    return [call for call in shape.emulator.calls("chat.postMessage") if call.ok]


def duplicates(shape: Shape) -> int:
    """Messages Slack accepted twice: same place, same text, same buttons."""
    seen = Counter(
        (
            str(call.args.get("channel")),
            str(call.args.get("thread_ts") or ""),
            str(call.args.get("text", "")),
            tuple(buttons(call.args.get("blocks") or [])),
        )
        for call in posted(shape)
    )
    return sum(count - 1 for count in seen.values())


def due_work(shape: Shape, until: datetime) -> tuple[int, int, Counter[str]]:
    """Rows due by `until`: how many, how many done, and the unfinished ones by kind."""
    with shape.sessions() as session:
        rows = session.execute(
            select(DueWork.kind, DueWork.state).where(DueWork.due_at <= until)
        ).all()
    open_ = Counter(kind for kind, state in rows if state != WorkState.DONE)
    return len(rows), sum(1 for _, state in rows if state == WorkState.DONE), open_


def checkins_missing_in_slack(shape: Shape, until: datetime) -> list[int]:
    """Check-ins due by `until` that Slack does not show in the person's DM."""
    with shape.sessions() as session:
        rows = session.execute(
            select(CheckIn.id, CheckIn.state, CheckIn.message_channel, CheckIn.message_ts).where(
                CheckIn.due_at <= until
            )
        ).all()
    missing = []
    for checkin_id, state, channel, ts in rows:
        shown = channel and ts and shape.emulator.store.find(channel, ts)
        if state == CheckInState.DUE or not shown:
            missing.append(checkin_id)
    return missing


def answers_missing(shape: Shape, submitted: set[int]) -> list[int]:
    with shape.sessions() as session:
        stored = set(session.scalars(select(Answer.checkin_id).distinct()))
    return sorted(submitted - stored)


# --- chaos -------------------------------------------------------------------------------


@dataclass
class Chaos:
    """SIGKILL a random web or scheduler process every few seconds and start it again."""

    shape: Shape
    every: tuple[float, float] = (2.0, 5.0)
    seed: int = 3
    kills: Counter[str] = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="chaos", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def _run(self) -> None:
        rng = random.Random(self.seed)
        while not self._stop.wait(rng.uniform(*self.every)):
            victim = rng.choice(self.shape.processes)
            victim.kill()
            self.kills[victim.name] += 1
            victim.start()


def chaos(
    server: pg.PostgresServer, folder: Path, *, accounts: int, days: float, speed: float
) -> Row:
    """A simulated stretch of `days` for `accounts` accounts, with processes dying throughout."""
    people_of = population(accounts)
    end = WEEK_START + timedelta(days=days)
    row = Row(
        f"chaos: {accounts:,} accounts, {people_of.people:,} people, {days:g} days",
        "check-ins, nudges, escalation re-alerts, digests, answers; SIGKILL every 2-5 s",
    )
    rng = random.Random(11)
    sams = {a["name"]: a["sam"] for a in people_of.accounts}
    escalations = sorted(
        (WEEK_START + timedelta(hours=rng.uniform(12, 24 * days - 60)), name)
        for name in rng.sample(sorted(sams), max(3, accounts // 100))
    )
    with production_shape(server, people_of, folder, start=WEEK_START, speed=speed) as shape:
        people = People(shape.emulator)
        monkey = Chaos(shape)
        people.start()
        monkey.start()
        try:
            while shape.clock() < end:
                people.read_new_dms()
                while escalations and escalations[0][0] <= shape.clock():
                    _, name = escalations.pop(0)
                    people.escalate(sams[name], name, f"Renewal blocked for {name}")
                time.sleep(0.5)
        finally:
            monkey.stop()
        for process in shape.processes:  # a kill may have landed on a starting process
            if process.popen is None or process.popen.poll() is not None:
                process.start()
        shape.wait_web()
        caught_up = shape.wait_caught_up(end, limit=240)
        people.read_new_dms()
        deadline = time.monotonic() + 60
        while people.pending() and time.monotonic() < deadline:
            time.sleep(0.5)  # the last people finish answering
        people.stop()
        _report_delivery(shape, row, end, people)
        row.require(caught_up, "the schedulers did not catch up within 4 minutes")
        scheduler_kills = sum(n for name, n in monkey.kills.items() if name != "web")
        row.notes.append(
            f"kills: {dict(sorted(monkey.kills.items()))}; answers submitted "
            f"{len(people.submitted)}, escalations logged {len(people.logged)}; "
            f"retries by people {people.counts['answer.tries'] - people.counts['answer.done']}"
        )
        in_flight = 4 * scheduler_kills  # at most one item per delivery thread
        row.require(
            row.duplicated <= in_flight,
            f"{row.duplicated} duplicated, more than the {in_flight} that can be in flight",
        )
        with shape.sessions() as session:
            raised = set(session.scalars(select(Escalation.summary)))
            digests = session.scalar(select(func.count()).select_from(DigestRun))
        lost_escalations = [
            name for name in people.logged if f"Renewal blocked for {name}" not in raised
        ]
        row.require(not lost_escalations, f"escalations confirmed, not stored: {lost_escalations}")
        row.require(bool(digests) or days < 6, "no digest was posted")
    return row


def _report_delivery(shape: Shape, row: Row, end: datetime, people: People) -> None:
    """Due, delivered, duplicated and lost, from the database and from what Slack saw."""
    row.due, row.delivered, unfinished = due_work(shape, end)
    missing = checkins_missing_in_slack(shape, end)
    lost_answers = answers_missing(shape, people.submitted)
    row.duplicated = duplicates(shape)
    row.lost = sum(unfinished.values()) + len(missing) + len(lost_answers)
    row.require(not unfinished, f"due work not done: {dict(unfinished)}")
    row.require(not missing, f"{len(missing)} check-ins not in Slack, e.g. {missing[:5]}")
    row.require(not lost_answers, f"{len(lost_answers)} answers lost, e.g. {lost_answers[:5]}")
