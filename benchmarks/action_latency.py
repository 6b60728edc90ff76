"""How long what a person does takes to show in Slack, in the Procfile's shape.

    python -m benchmarks.action_latency [--escalations 200] [--seconds 60] [--quick]
        [--database postgresql sqlite]

SAMs raise escalations with `/sponsor escalate` at a steady rate over `--seconds`, each
on an account of its own; a sponsor clicks *Acknowledge* in the DM Sherpa sends them,
`ACK_AFTER` seconds after raising it was acknowledged (or as soon as the DM is there, if
later). Everything goes through the signed endpoint, as Slack sends it, to Sherpa's real
processes talking to the emulator (`tests.reliability.shape`), once their clock has
caught up on what was due at start-up:

- PostgreSQL: `sherpa serve --no-scheduler` under gunicorn (web) and two `sherpa
  scheduler` processes (clock), as the Procfile runs them;
- SQLite: `sherpa serve` running its own scheduler.

Reports, from the command's ack to the channel alert's `chat.postMessage` and from the
click's ack to the `chat.update` of that alert: p50, p99, max; lost (never came within
`GRACE` seconds of the last action) and duplicated (the alert posted twice, updated
twice). Target: p50 <= 0.5 s, p99 <= 2 s, none lost, none duplicated.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.load import percentile
from engagement.clock import utcnow
from slack_emulator import Emulator
from slack_emulator.recording import Call
from tests import pg
from tests.reliability.population import population
from tests.reliability.shape import Shape, running_shape

ACK_AFTER = 2.0
"""Seconds from raising an escalation to its sponsor's click."""
GRACE = 75.0
"""Seconds after the last action (a raise, a click) by which everything must have shown
(the clock's poll is a minute)."""
LEAD = 4.0
STARTUP = 180.0
"""Seconds the clock may take to catch up on start-up, before the first action."""
POLL = 0.01


@dataclass
class Escalation:
    """One escalation: what was done when, and what Slack saw of it."""

    sam: str
    sponsor: str
    account: str
    summary: str
    raise_at: float
    raised: float | None = None
    clicked: float | None = None
    alerts: list[Call] = field(default_factory=list)
    dm: dict[str, str] | None = None
    updates: list[Call] = field(default_factory=list)

    def settled(self) -> bool:
        return bool(self.alerts) and bool(self.updates)


@dataclass
class Figures:
    """The two latencies, and what went missing or came twice."""

    alert: list[float] = field(default_factory=list)
    update: list[float] = field(default_factory=list)
    lost: dict[str, int] = field(default_factory=dict)
    duplicated: dict[str, int] = field(default_factory=dict)


def drive(shape: Shape, escalations: list[Escalation], grace: float) -> None:
    """Raise, watch and click, on schedule, until everything showed or `grace` is up."""
    emulator, slack = shape.emulator, shape.emulator.actor
    by_summary = {item.summary: item for item in escalations}
    by_alert: dict[str, Escalation] = {}
    seen = {"chat.postMessage": 0, "chat.update": 0}
    waiting = list(escalations)
    while True:
        now = time.monotonic()
        for item in waiting:
            if item.raised is None and now >= item.raise_at:
                answer = slack.slash(item.sam, f"escalate {item.account} high {item.summary}")
                if answer.status == 200:
                    item.raised = time.monotonic()
        posts = emulator.calls("chat.postMessage")[seen["chat.postMessage"] :]
        seen["chat.postMessage"] += len(posts)
        for call in posts:
            shown = str(call.args.get("text", ""))
            about = next((i for s, i in by_summary.items() if s in shown), None)
            if about is None or not call.ok:
                continue
            if call.args.get("channel") == about.sponsor:
                about.dm = {"channel": call.response["channel"], "ts": call.response["ts"]}
            elif shown.startswith("Escalation "):
                about.alerts.append(call)
                by_alert[call.response["ts"]] = about
        updates = emulator.calls("chat.update")[seen["chat.update"] :]
        seen["chat.update"] += len(updates)
        for call in updates:
            alerted = by_alert.get(str(call.args.get("ts")))
            if alerted is not None and call.ok:
                alerted.updates.append(call)
        for item in waiting:
            if item.dm is not None and item.clicked is None and now >= item.raise_at + ACK_AFTER:
                _acknowledge(emulator, item)
        waiting = [item for item in waiting if not item.settled()]
        last = max(item.clicked or item.raise_at + ACK_AFTER for item in escalations)
        if not waiting or now > last + grace:
            return
        time.sleep(POLL)  # the driver's own pace: it acts on a schedule, like people


def _acknowledge(emulator: Emulator, item: Escalation) -> None:
    assert item.dm is not None
    message = emulator.store.find(item.dm["channel"], item.dm["ts"])
    if message is None:
        return
    answer = emulator.actor.block_action(item.sponsor, "escalation_acknowledge", message=message)
    if answer.status == 200:
        item.clicked = time.monotonic()


def figures(escalations: list[Escalation]) -> Figures:
    result = Figures()
    for item in escalations:
        if item.raised is not None and item.alerts:
            result.alert.append(item.alerts[0].at - item.raised)
        if item.clicked is not None and item.updates:
            result.update.append(item.updates[0].at - item.clicked)
    result.lost = {
        "alert": sum(1 for item in escalations if not item.alerts),
        "update": sum(1 for item in escalations if not item.updates),
        "not raised": sum(1 for item in escalations if item.raised is None),
        "not clicked": sum(1 for item in escalations if item.clicked is None),
    }
    result.duplicated = {
        "alert": sum(len(item.alerts) - 1 for item in escalations if item.alerts),
        "update": sum(len(item.updates) - 1 for item in escalations if item.updates),
    }
    return result


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A new, empty database of that kind (a throwaway PostgreSQL server for postgresql)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'sherpa.sqlite3'}"
        return
    server = pg.PostgresServer.start()
    try:
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE latency"))
        admin.dispose()
        yield server.url("latency")
    finally:
        server.stop()


def run(kind: str, count: int, seconds: float, grace: float) -> Figures:
    """`count` escalations over `seconds` against the Procfile's shape on `kind`."""
    people = population(count)
    folder = Path(tempfile.mkdtemp(prefix=f"sherpa-latency-{kind}-"))
    with database(kind, folder) as url:
        start = utcnow() + timedelta(seconds=LEAD)  # the shared clock reads real time
        with running_shape(
            url, people, folder, start=start, speed=1, lead=LEAD,
            schedulers=2 if kind == "postgresql" else 0,
        ) as shape:  # fmt: skip
            # the first run catches up on what an hour's planning found (last week's
            # digests): measure people's actions once the clock is idle, as it mostly is
            if not shape.wait_caught_up(shape.clock(), limit=STARTUP):
                raise SystemExit(f"{kind}: the clock did not catch up within {STARTUP:g} s")
            first = time.monotonic() + 1.0
            escalations = [
                Escalation(
                    sam=account["sam"],
                    sponsor=account["sponsors"][0],
                    account=account["name"],
                    summary=f"Benchmark escalation {number:04d}",
                    raise_at=first + number * seconds / count,
                )
                for number, account in enumerate(people.accounts)
            ]
            drive(shape, escalations, grace)
    print(f"  logs: {folder}")
    return figures(escalations)


def _line(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<34}{'-':>9}{'-':>9}{'-':>9}{0:>7}"
    return (
        f"{name:<34}{percentile(values, 0.5):>9.2f}{percentile(values, 0.99):>9.2f}"
        f"{max(values):>9.2f}{len(values):>7}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--escalations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--quick", action="store_true", help="10 escalations over 5 s")
    parser.add_argument(
        "--database", nargs="+", choices=["postgresql", "sqlite"], default=["postgresql", "sqlite"]
    )
    args = parser.parse_args()
    count, seconds = (10, 5.0) if args.quick else (args.escalations, args.seconds)
    if "postgresql" in args.database and not pg.available():
        parser.error(f"no PostgreSQL binaries at {pg.PG_BIN} (set SHERPA_PG_BIN)")
    results = {}
    for kind in args.database:
        print(f"{kind}: {count} escalations raised, then acknowledged, over {seconds:g} s")
        results[kind] = run(kind, count, seconds, GRACE)
    print(f"{'seconds from the ack to':<34}{'p50':>9}{'p99':>9}{'max':>9}{'count':>7}")
    for kind, result in results.items():
        print(_line(f"{kind}: alert chat.postMessage", result.alert))
        print(_line(f"{kind}: alert chat.update", result.update))
        print(f"{kind}: lost {result.lost}, duplicated {result.duplicated}")


if __name__ == "__main__":
    main()
