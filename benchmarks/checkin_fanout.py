"""Benchmark: fan out 10,000 due check-in DMs to the emulator at its rate limit.

    PYTHONPATH=. python -m benchmarks.checkin_fanout [--people 10000] [--limit 100]
        [--faults 0.05] [--concurrency 24] [--pace 0.97] [--database postgresql|sqlite]

5,000 accounts, each with a SAM and a sponsor in New York, all due Monday 09:00; the
emulator (in a process of its own, as Slack is remote) allows `--limit` chat.postMessage
calls per second and fails `--faults` of them (half 429 with Retry-After: 1, half 500).
Sherpa paces every attempt, retries included, at `--pace` of the limit (what
`SHERPA_POST_RATE` sets in production; 0: no pacing; a refused attempt gives its slot
back) and the due-work engine runs once, as the clock process would, planning included,
`--concurrency` items at a time (workers waiting out a Retry-After lend their places to
spare workers, so the database pool is sized for twice that). Target: delivered /
elapsed at least 0.9 of the limit, none lost, none duplicated. PostgreSQL (a throwaway
server) is the default: on SQLite one writer at a time means one DM at a time.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

from bot import root
from bot.notifier import SlackNotifier, make_client
from engagement import db
from engagement.duework.engine import Engine
from engagement.models import (
    Account,
    CheckIn,
    CheckInState,
    Person,
    PortfolioSettings,
    Sponsorship,
)
from slack_emulator import Emulator

ZONE = "America/New_York"
DUE = datetime(2026, 11, 23, 14, tzinfo=UTC)  # Monday 09:00 in New York
PROMPT = "Sponsor check-in"


def user_id(number: int) -> str:
    return f"U{number:08d}"


def populate(url: str, people: int) -> None:
    """`people` people, two to an account (SAM and sponsor), profiles fresh, nothing planned."""
    engine = db.make_engine(url)
    created = DUE - timedelta(days=60)
    with engine.begin() as connection:
        connection.execute(
            insert(PortfolioSettings),
            [{
                "id": 1, "timezone": ZONE, "cadence": "weekly", "checkin_weekday": 0,
                "checkin_time": clock(9, 0), "digest_weekday": 4, "digest_time": clock(16, 0),
                "digest_channel": "#sponsor-digest", "escalation_path": None,
                "ack_hours": {}, "nudge_after_hours": 48, "expire_after_days": 7,
            }],
        )  # fmt: skip
        connection.execute(
            insert(Person),
            [
                {
                    "id": n + 1,
                    "slack_user_id": user_id(n),
                    "display_name": f"Person {n}",
                    "timezone": ZONE,
                    "timezone_checked_at": DUE,  # no profile look-ups in the run
                }
                for n in range(people)
            ],
        )
        accounts = people // 2
        connection.execute(
            insert(Account),
            [
                {
                    "id": n + 1,
                    "name": f"Account {n:05d}",
                    "digest_channel": "#sponsor-digest",
                    "timezone": ZONE,
                    "cadence": "weekly",
                    "checkin_weekday": 0,
                    "checkin_time": clock(9, 0),
                    "created_at": created,
                    "phase": "steady-state",
                    "governance": "direct",
                }
                for n in range(accounts)
            ],
        )
        connection.execute(
            insert(Sponsorship),
            [
                {
                    "person_id": 2 * n + 1 + offset,
                    "account_id": n + 1,
                    "role": role,
                    "started_at": created,
                }
                for n in range(accounts)
                for offset, role in ((0, "sam"), (1, "sponsor"))
            ],
        )
    engine.dispose()


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A migrated, empty database of that kind, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'fanout.sqlite3'}"
            db.upgrade(url)
            yield url
        return
    from tests import pg

    server = pg.PostgresServer.start()
    try:
        admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE fanout"))
        admin.dispose()
        url = server.url("fanout")
        db.upgrade(url)
        yield url
    finally:
        server.stop()


def serve_slack(pipe: Connection, people: int, limit: int, faults: float) -> None:
    """The emulator in a process of its own, as Slack is: its work is not Sherpa's.

    Sends back its API URL and token, waits for a word, then sends the accepted and
    refused chat.postMessage calls.
    """
    workspace = {"users": [{"id": user_id(n), "tz": ZONE} for n in range(people)]}
    with Emulator(workspace) as emulator:
        emulator.rate_limits.set("chat.postMessage", limit, 1.0)
        half = faults / 2
        emulator.faults.add("chat.postMessage", 429, ratio=half, seed=1)
        emulator.faults.add("chat.postMessage", 500, ratio=half / (1 - half), seed=2)
        pipe.send((emulator.api_url, emulator.bot_token))
        pipe.recv()
        calls = emulator.calls("chat.postMessage")
        accepted = Counter(
            str(c.args["channel"])
            for c in calls
            if c.ok and str(c.args.get("text")).startswith(PROMPT)
        )
        refused = Counter(c.status for c in calls if not c.ok)
        pipe.send((accepted, refused, _cpu()))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=100, help="chat.postMessage calls/s")
    parser.add_argument("--faults", type=float, default=0.05, help="share of calls failed")
    parser.add_argument("--concurrency", type=int, default=24)
    parser.add_argument(
        "--pace",
        type=float,
        default=0.97,
        help="Sherpa's own pace, as a share of the limit (0: none)",
    )
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    arguments = parser.parse_args()
    ours, theirs = multiprocessing.Pipe()
    slack = multiprocessing.get_context("spawn").Process(
        target=serve_slack,
        args=(theirs, arguments.people, arguments.limit, arguments.faults),
        daemon=True,
    )
    slack.start()
    api_url, token = ours.recv()
    features = root.wire()
    with database(arguments.database) as url:
        populate(url, arguments.people)
        engine = db.make_engine(url, pool_size=2 * arguments.concurrency + 4)
        pace = {"chat.postMessage": arguments.pace * arguments.limit} if arguments.pace else {}
        notifier = SlackNotifier(make_client(token, api_url), features.slack.renderers, pace=pace)
        due = Engine(
            db.session_factory(engine),
            features.due_work,
            notifier,
            concurrency=arguments.concurrency,
        )
        print(
            f"{arguments.people:,} check-ins due; chat.postMessage limited to "
            f"{arguments.limit}/s, {arguments.faults:.0%} of calls failed (429/500); "
            f"{arguments.database}, concurrency {arguments.concurrency}, "
            f"Sherpa's pace {arguments.pace:.0%} of the limit"
        )
        started, cpu = time.perf_counter(), _cpu()
        report = due.run_due(DUE)
        elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
        ours.send("report")
        accepted, refused, slack_cpu = ours.recv()
        slack.join(timeout=30)
        with db.session_factory(engine)() as session:
            sent = session.scalar(
                select(func.count()).where(
                    CheckIn.state == CheckInState.SENT, CheckIn.due_at <= DUE
                )
            )
        engine.dispose()
    delivered = sum(accepted.values())
    lost = sum(1 for n in range(arguments.people) if user_id(n) not in accepted)
    duplicated = sum(count - 1 for count in accepted.values())
    throughput = delivered / elapsed
    print(f"elapsed:    {elapsed:.1f} s (planning included)")
    print(f"delivered:  {delivered:,} DMs; {sent:,} check-ins marked sent")
    print(f"refused:    {dict(sorted(refused.items()))} (injected and rate-limited)")
    print(f"cpu:        Sherpa {cpu:.1f} s, emulator {slack_cpu:.1f} s (whole life)")
    print(f"engine:     retried {report.retried}, failed {report.failed}")
    print(f"throughput: {throughput:.1f}/s = {throughput / arguments.limit:.2f} of the limit")
    print(f"lost:       {lost}")
    print(f"duplicated: {duplicated}")


if __name__ == "__main__":
    main()
