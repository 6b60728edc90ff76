"""The reliability scenarios, each run against the production shape and reported as a row.

Each returns a `Row` for the table `make reliability` prints, and the problems it found;
the quick tests in `make test` run the same scenarios at a small size.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select

from benchmarks.load import Request, percentile, run_load
from engagement.models import (
    Answer,
    CheckIn,
    CheckInState,
    DigestRun,
    DueWork,
    Escalation,
    WorkState,
)
from slack_emulator.interactions import ResponseTarget
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


def duplicates(shape: Shape) -> Counter[str]:
    """Messages Slack accepted twice (same place, text and buttons), by how their text starts."""
    seen = Counter(
        (
            str(call.args.get("channel")),
            str(call.args.get("thread_ts") or ""),
            str(call.args.get("text", "")),
            tuple(buttons(call.args.get("blocks") or [])),
        )
        for call in posted(shape)
    )
    repeated: Counter[str] = Counter()
    for (_, _, shown, _), count in seen.items():
        if count > 1:
            repeated[shown[:24]] += count - 1
    return repeated


def due_work(shape: Shape, until: datetime) -> tuple[int, int, Counter[str]]:
    """Rows due by `until`: how many, how many done, and the unfinished ones by kind."""
    with shape.sessions() as session:
        rows = session.execute(
            select(DueWork.kind, DueWork.state).where(DueWork.due_at <= until)
        ).all()
    open_ = Counter(kind for kind, state in rows if state != WorkState.DONE)
    return len(rows), sum(1 for _, state in rows if state == WorkState.DONE), open_


def checkins_in_slack(shape: Shape, until: datetime) -> tuple[list[str], int]:
    """Check-ins due by `until` that never reached the person's DM (described), and how
    many reached it only in a post Sherpa did not get to record: the process was killed
    after Slack took the DM, and the person acted on it before the retry."""
    with shape.sessions() as session:
        rows = session.execute(
            select(
                CheckIn.id,
                CheckIn.state,
                CheckIn.due_at,
                CheckIn.message_channel,
                CheckIn.message_ts,
            ).where(CheckIn.due_at <= until)
        ).all()
    shown: set[str] = set()
    for call in posted(shape):
        text = str(call.args.get("text", ""))
        if text.startswith("Sponsor check-in"):
            shown.update(value for _, value in buttons(call.args.get("blocks") or []))
    missing, unrecorded = [], 0
    for checkin_id, state, due_at, channel, ts in rows:
        recorded = bool(channel and ts and shape.emulator.store.find(channel, ts))
        if state == CheckInState.DUE or (not recorded and str(checkin_id) not in shown):
            missing.append(f"#{checkin_id} {state}, due {due_at:%a %H:%M}, ts {ts}")
        elif not recorded:
            unrecorded += 1
    return missing, unrecorded


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
    missing, unrecorded = checkins_in_slack(shape, end)
    if unrecorded:
        row.notes.append(
            f"{unrecorded} check-ins were answered or skipped from a DM whose posting was in "
            "flight at a kill (Slack had it; the database did not record where it is)"
        )
    lost_answers = answers_missing(shape, people.submitted)
    repeated = duplicates(shape)
    row.duplicated = sum(repeated.values())
    if repeated:
        row.notes.append(f"duplicated, by text: {dict(repeated.most_common(6))}")
    row.lost = sum(unfinished.values()) + len(missing) + len(lost_answers)
    row.require(not unfinished, f"due work not done: {dict(unfinished)}")
    row.require(not missing, f"{len(missing)} check-ins not in Slack, e.g. {missing[:5]}")
    row.require(not lost_answers, f"{len(lost_answers)} answers lost, e.g. {lost_answers[:5]}")


# --- Slack outage ------------------------------------------------------------------------


def in_order(shape: Shape) -> list[str]:
    """Recipients whose check-in DMs and nudges arrived out of the order they were due."""
    with shape.sessions() as session:
        due = dict(session.execute(select(CheckIn.id, CheckIn.due_at)).all())
    order: dict[str, list[tuple[str, datetime]]] = {}
    for call in posted(shape):
        text = str(call.args.get("text", ""))
        kind = "prompt" if text.startswith("Sponsor check-in") else "nudge"
        if kind == "nudge" and not text.startswith("Reminder:"):
            continue
        ids = [
            int(value)
            for action, value in buttons(call.args.get("blocks") or [])
            if action == "checkin_answer"
        ]
        if ids:
            order.setdefault(str(call.args["channel"]), []).append((kind, min(due[n] for n in ids)))
    wrong = []
    for user, messages in order.items():
        prompts = [at for kind, at in messages if kind == "prompt"]
        first_prompt = {at: index for index, (kind, at) in enumerate(messages) if kind == "prompt"}
        nudged_early = any(
            kind == "nudge" and first_prompt.get(at, len(messages)) > index
            for index, (kind, at) in enumerate(messages)
        )
        if prompts != sorted(prompts) or nudged_early:
            wrong.append(user)
    return wrong


def slack_outage(server: pg.PostgresServer, folder: Path, *, accounts: int, speed: float) -> Row:
    """Slack answers 500s, then hangs, for a simulated hour in the middle of a fan-out."""
    people_of = population(accounts)
    fan_out = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 09:00 in New York
    start, down = fan_out - timedelta(minutes=20), fan_out - timedelta(minutes=15)
    up, end = down + timedelta(hours=1), down + timedelta(hours=1, minutes=20)
    row = Row(
        f"Slack outage: {accounts:,} accounts, 1 simulated hour",
        "500s for 30 min, then hanging calls for 30 min, over New York's 09:00 fan-out; "
        "then everything delivered once, in order per recipient",
    )
    with production_shape(server, people_of, folder, start=start, speed=speed) as shape:
        shape.wait_until(down)
        before = len(shape.emulator.calls())
        shape.emulator.faults.add("*", 500, ratio=1.0)
        shape.wait_until(down + timedelta(minutes=30))
        shape.emulator.faults.clear()
        shape.emulator.faults.add("*", "timeout", ratio=1.0, hold=2.0)
        shape.wait_until(up)
        shape.emulator.faults.clear()
        during = len(shape.emulator.calls()) - before
        with shape.sessions() as session:
            hit = session.scalar(
                select(func.count())
                .select_from(DueWork)
                .where(DueWork.due_at >= down, DueWork.due_at < up)
            )
        caught_up = shape.wait_caught_up(end, limit=240)
        _report_delivery(shape, row, end, People(shape.emulator))
        row.require(caught_up, "the schedulers did not catch up within 4 minutes")
        row.require(row.duplicated == 0, f"{row.duplicated} messages sent twice")
        wrong = in_order(shape)
        row.require(not wrong, f"{len(wrong)} recipients got messages out of order: {wrong[:5]}")
        per_item = during / max(1, int(hit or 0))
        row.notes.append(
            f"calls during the outage: {during} for {hit} items due in it "
            f"({per_item:.1f} per item; each attempt is up to 4 calls, attempts back off "
            "30 s, 1, 2, 4 … min)"
        )
        row.require(per_item <= 32, f"{per_item:.1f} calls per item during the outage: hammering")
    return row


# --- database outage ---------------------------------------------------------------------


def db_outage(server: pg.PostgresServer, folder: Path, *, accounts: int, seconds: float) -> Row:
    """PostgreSQL stopped for `seconds` and started again, while people use Sherpa."""
    people_of = population(accounts)
    fan_out = datetime(2026, 11, 23, 14, tzinfo=UTC)  # New York's 09:00: down through it
    start, speed = fan_out - timedelta(minutes=10), 60.0
    row = Row(
        f"database outage: {seconds:.0f} s, {accounts:,} accounts",
        "web says 'temporarily unavailable' and /healthz 503 meanwhile; no process restarts; "
        "schedulers resume",
    )
    sam = people_of.accounts[0]["sam"]
    name = people_of.accounts[0]["name"]
    with production_shape(server, people_of, folder, start=start, speed=speed) as shape:
        pids = {process.name: process.pids[0] for process in shape.processes}
        shape.wait_until(fan_out - timedelta(minutes=1))
        server.pause()
        stopped = time.monotonic()
        replies: Counter[str] = Counter()
        statuses: Counter[int] = Counter()
        while time.monotonic() - stopped < seconds:
            statuses[shape.health()[0]] += 1
            before = len(shape.emulator.responses(sam))
            replies[f"ack {shape.emulator.actor.slash(sam, f'status {name}').status}"] += 1
            replies[_reply(shape, sam, before)] += 1
            time.sleep(1.0)  # one person trying every second
        server.resume()
        resumed = time.monotonic()
        shape.wait_web()
        recovered = time.monotonic() - resumed
        before = len(shape.emulator.responses(sam))
        shape.emulator.actor.slash(sam, f"status {name}")
        after = _reply(shape, sam, before)
        end = max(shape.clock(), fan_out) + timedelta(minutes=1)
        caught_up = shape.wait_caught_up(end, limit=240)
        _report_delivery(shape, row, end, People(shape.emulator))
        restarted = [p.name for p in shape.processes if not p.alive or p.pids[0] != pids[p.name]]
        row.notes.append(
            f"during: /healthz {dict(statuses)}, replies {dict(replies)}; "
            f"healthy again {recovered:.1f} s after the restart; then: {after[:60]!r}"
        )
        row.require(set(statuses) == {503}, f"/healthz during the outage: {dict(statuses)}")
        row.require(
            all(k in ("ack 200", "temporarily unavailable") for k in replies),
            f"replies during the outage: {dict(replies)}",
        )
        row.require(not restarted, f"processes restarted: {restarted}")
        row.require("unavailable" not in after and after != "(no reply)", f"after: {after!r}")
        row.require(caught_up, "the schedulers did not resume")
    return row


def _reply(shape: Shape, user: str, before: int, wait: float = 10.0) -> str:
    """The first reply the person got after `before`, shortened for the table."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        replies = shape.emulator.responses(user)[before:]
        if replies:
            text = str(replies[0].body.get("text", ""))
            return "temporarily unavailable" if "temporarily unavailable" in text else text
        time.sleep(0.05)  # the reply comes after the acknowledgement
    return "(no reply)"


# --- load --------------------------------------------------------------------------------


def _requests(shape: Shape, users: list[tuple[str, str]]) -> list[Request]:
    """Signed-request bodies as Slack sends them: commands and button clicks."""
    emulator = shape.emulator
    form = "application/x-www-form-urlencoded"
    bodies: list[Request] = []
    for user, account in users:
        channel = emulator.workspace.dm(user, create=True) or ""
        for kind, text in (("command", "help"), ("command", f"status {account}")):
            url_id = emulator.response_urls.register(ResponseTarget(user, channel))
            bodies.append((kind, form, urlencode({
                "command": "/sponsor", "text": text, "user_id": user, "user_name": user.lower(),
                "team_id": emulator.workspace.team.id, "channel_id": channel,
                "api_app_id": emulator.workspace.bot.app_id, "trigger_id": "1.2.3",
                "response_url": f"{emulator.url}response/{url_id}",
            })))  # fmt: skip
        url_id = emulator.response_urls.register(ResponseTarget(user, channel))
        bodies.append(("button", form, urlencode({"payload": json.dumps({
            "type": "block_actions", "user": {"id": user},
            "team": {"id": emulator.workspace.team.id},
            "api_app_id": emulator.workspace.bot.app_id, "trigger_id": "1.2.3",
            "container": {"type": "message"}, "channel": {"id": channel},
            "response_url": f"{emulator.url}response/{url_id}",
            "actions": [{"type": "button", "action_id": "checkin_skip", "block_id": "b",
                         "value": "999999999", "action_ts": "1"}],
        })})))  # fmt: skip
    return bodies


def _rss(shape: Shape) -> dict[str, dict[int, float]]:
    return {process.name: process.rss_mb() for process in shape.processes}


def load(
    server: pg.PostgresServer, folder: Path, *, accounts: int, clients: int, seconds: float
) -> Row:
    """`clients` people at once, back to back, sending commands and clicks for `seconds`.

    The acks are timed in real seconds, and Slack's rate limits count real minutes: the
    emulator keeps the profile look-ups to their Slack tiers here, as Slack would (without
    them, an hour's look-ups of 500 people ran in five seconds of the run). The other
    scenarios check delivery on the rehearsal clock, a week in minutes, where a limit in
    real minutes would be hundreds of times stricter than Slack's.
    """
    people_of = population(accounts)
    start = datetime(2026, 11, 23, 13, 55, tzinfo=UTC)  # New York's fan-out runs meanwhile
    row = Row(
        f"load: {clients} concurrent clients, {seconds:.0f} s",
        "/sponsor help, /sponsor status <account>, button clicks: p99 ack under 3 s, "
        "no errors, memory flat",
    )
    users = [(a["sam"], a["name"]) for a in people_of.accounts[:50]]
    with production_shape(server, people_of, folder, start=start, speed=60) as shape:
        shape.emulator.rate_limits.lookup_tiers()
        bodies = _requests(shape, users)
        spawn = multiprocessing.get_context("spawn")
        with spawn.Pool(1) as pool:  # the clients in a process of their own, as Slack is
            warm_up = pool.apply(run_load, (shape.port, shape.emulator.signing_secret, bodies),
                                 {"clients": clients, "seconds": 5})  # fmt: skip
            before = _rss(shape)
            result = pool.apply(run_load, (shape.port, shape.emulator.signing_secret, bodies),
                                {"clients": clients, "seconds": seconds})  # fmt: skip
        every = [value for values in result.latencies_ms.values() for value in values]
        p50, p99 = percentile(every, 0.5), percentile(every, 0.99)
        row.due = result.count()
        row.delivered = row.due
        row.latency = f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {max(every):.0f} ms" + "".join(
            f"; {kind}s p50 {percentile(values, 0.5):.0f} ms, p99 {percentile(values, 0.99):.0f} ms"
            for kind, values in result.latencies_ms.items()
            if values
        )
        sent = result.count() + warm_up.count()
        in_acks = sum(result.in_acks.values()) + sum(warm_up.in_acks.values())
        finished, replies = time.monotonic(), 0
        while time.monotonic() - finished < 120:
            replies = in_acks + len(shape.emulator.responses())
            if replies >= sent:
                break
            time.sleep(0.2)  # replies come after the acknowledgements
        trailing = time.monotonic() - finished
        after = _rss(shape)  # once the work the load handed on is done
        row.memory = "; ".join(
            f"{name} {first:.0f}->{after[name].get(pid, 0.0):.0f} MB"
            for name in before
            for pid, first in before[name].items()
        )
        failures = [
            post
            for post in shape.emulator.responses()
            if "Something went wrong" in str(post.body.get("text", ""))
        ]
        row.notes.append(
            f"{row.due} requests ({row.due / seconds:.0f}/s); errors {result.errors}; "
            f"replies {replies} of {sent} ({in_acks} in the ack itself), the last "
            f"{trailing:.1f} s after the load ended"
        )
        row.require(replies == sent, f"{sent - replies} people got no reply")
        row.require(p99 < 3000, f"p99 {p99:.0f} ms is over Slack's 3 s")
        row.require(not result.errors, f"errors: {result.errors}")
        row.require(not failures, f"{len(failures)} replies said something went wrong")
        for name in before:
            for pid, first in before[name].items():
                last = after[name].get(pid, 0.0)
                row.require(
                    last <= first * 1.25 + 10,
                    f"{name} grew from {first:.0f} to {last:.0f} MB in {seconds:.0f} s",
                )
    return row


# --- fuzzing -------------------------------------------------------------------------------

FUZZ_TESTS = Path(__file__).with_name("test_fuzz.py")


def fuzzing(folder: Path, *, examples: int) -> Row:
    """`test_fuzz.py` with `examples` inputs per kind instead of the quick suite's 60: every
    input correctly signed, at the real endpoint; hypothesis counts what passed."""
    row = Row(
        f"fuzzing: {examples:,} inputs per kind",
        "slash texts, strangers' clicks and modal submissions, random and truncated payloads,"
        " every payload kind with garbled fields, all signed: never a 5xx, never a traceback"
        " shown, never a row written; random signature headers: 401 and no call to Slack",
    )
    log = folder / "fuzz.log"
    with log.open("w") as out:
        finished = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
             "--hypothesis-show-statistics", str(FUZZ_TESTS)],
            env={**os.environ, "SHERPA_FUZZ_EXAMPLES": str(examples)},
            cwd=FUZZ_TESTS.parents[2], stdout=out, stderr=subprocess.STDOUT, check=False,
        )  # fmt: skip
    cases = re.findall(r"- (\d+) passing, (\d+) failing", log.read_text())
    row.delivered = sum(int(passing) for passing, _ in cases)
    row.lost = sum(int(failing) for _, failing in cases)
    row.due = row.delivered + row.lost
    row.notes.append("due: inputs sent; delivered: inputs answered as they should be")
    targets = len(re.findall(r"^@given", FUZZ_TESTS.read_text(), re.MULTILINE))
    row.require(
        len(cases) == targets,
        f"expected {targets} fuzz targets, hypothesis reported {len(cases)}",
    )
    row.require(finished.returncode == 0 and row.lost == 0, f"fuzzing failed: see {log}")
    return row
