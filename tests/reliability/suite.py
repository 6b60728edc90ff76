"""`make reliability`: every scenario at the size of a large company, then the table.

    python -m tests.reliability [--quick] [chaos|slack-outage|db-outage|load|fuzzing …]

Exit status 0 only if every scenario found no problem. `--quick` runs the sizes of the
quick tests in `make test`. Logs of every process are kept under the printed folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sherpa import heap
from tests import pg
from tests.reliability import scenarios
from tests.reliability.scenarios import Row

Scenario = Callable[[pg.PostgresServer, Path], Row]

FULL: dict[str, Scenario] = {
    "chaos": lambda s, f: scenarios.chaos(s, f, accounts=5000, days=7, speed=1500),
    "slack-outage": lambda s, f: scenarios.slack_outage(s, f, accounts=1000, speed=60),
    "db-outage": lambda s, f: scenarios.db_outage(s, f, accounts=1000, seconds=60),
    "load": lambda s, f: scenarios.load(s, f, accounts=1000, clients=200, seconds=60),
    "fuzzing": lambda _s, f: scenarios.fuzzing(f, examples=1000),
}
QUICK: dict[str, Scenario] = {
    "chaos": lambda s, f: scenarios.chaos(s, f, accounts=40, days=1.6, speed=3000),
    "slack-outage": lambda s, f: scenarios.slack_outage(s, f, accounts=200, speed=300),
    "db-outage": lambda s, f: scenarios.db_outage(s, f, accounts=20, seconds=6),
    "load": lambda s, f: scenarios.load(s, f, accounts=20, clients=20, seconds=8),
    "fuzzing": lambda _s, f: scenarios.fuzzing(f, examples=60),
}


def table(rows: list[tuple[Row, float]]) -> str:
    """A Markdown table, as the closing note carries it."""
    lines = [
        "| scenario | checked | due | delivered | duplicated | lost | latency | memory "
        "(RSS start->end) | took |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row, took in rows:
        lines.append(
            f"| {row.scenario} | {row.checked} | {row.due:,} | {row.delivered:,} | "
            f"{row.duplicated} | {row.lost} | {row.latency} | {row.memory} | {took:.0f} s |"
        )
    for row, _ in rows:
        for note in row.notes:
            lines.append(f"\n- {row.scenario}: {note}")
        for problem in row.problems:
            lines.append(f"\n- PROBLEM in {row.scenario}: {problem}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the sizes of `make test`")
    parser.add_argument("only", nargs="*", help=f"scenarios to run (of {', '.join(FULL)})")
    args = parser.parse_args()
    unknown = sorted(set(args.only) - set(FULL))
    if unknown:
        parser.error(f"no scenario {unknown[0]!r}; there are {', '.join(FULL)}")
    if not pg.available():
        print(f"no PostgreSQL binaries at {pg.PG_BIN} (set SHERPA_PG_BIN)", file=sys.stderr)
        return 2
    chosen = QUICK if args.quick else FULL
    folder = Path(tempfile.mkdtemp(prefix="sherpa-reliability-"))
    print(f"logs: {folder}", flush=True)
    rows: list[tuple[Row, float]] = []
    for name, scenario in chosen.items():
        if args.only and name not in args.only:
            continue
        # Each scenario's emulator answers from this process: what earlier scenarios
        # left behind must not make its garbage collections stall Slack's answers.
        heap.settle()
        print(f"running {name} …", flush=True)
        started = time.monotonic()
        place = folder / name
        place.mkdir()
        # A database server of its own, as a deployment has: the one before must not
        # still be tidying up (autovacuum, checkpoints) on the same server meanwhile.
        server = pg.PostgresServer.start()
        try:
            rows.append((scenario(server, place), time.monotonic() - started))
        finally:
            server.stop()
    print(table(rows))
    return 1 if any(row.problems for row, _ in rows) else 0
