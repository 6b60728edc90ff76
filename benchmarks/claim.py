"""Benchmark: how long one claim of a batch takes from a large queue of due work.

    PYTHONPATH=. python -m benchmarks.claim [--rows 20000] [--batch 100] [--repeat 30]
        [--database postgresql|sqlite] [--explain]

Each shape fills a fresh queue with `--rows` rows, all due, then claims `--batch` rows
`--repeat` times, as the engine does: each claim committed, its rows then marked done
as if delivered. It prints the wall time of a claim (median and slowest: the machine
may be busy) and the CPU per claim, here and in the database server's backend:

* `no streams`: rows of no stream (like the planners' own rows);
* `two per person`: two rows in each person's stream, ten minutes apart;
* `after an outage`: as above, but each stream's first row was retried until after
  the second was due, so the claim walks every held-back second row before it finds
  a first one: the worst case.

`--explain` prints PostgreSQL's plan of the first claim's SELECT for each shape.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, insert, select, text, update

from benchmarks.checkin_fanout import database
from engagement import db
from engagement.duework import queue
from engagement.models import DueWork, WorkState

T0 = datetime(2026, 11, 23, 14, tzinfo=UTC)
AS_OF = T0 + timedelta(hours=1)


def _row(number: int, due_at: datetime, first_due: datetime, stream: str | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": "probe",
        "key": f"probe:{number}",
        "payload": {},
        "due_at": due_at,
        "state": WorkState.DUE,
        "attempts": 0 if due_at == first_due else 3,
        "stream": stream,
        "scheduled_for": first_due,
    }
    return row


def stream(person: int) -> str:
    return f"person:{person}"


def shapes(rows: int) -> dict[str, list[dict[str, Any]]]:
    """The queues to claim from, by name."""
    people = range(rows // 2)
    second, retried = T0 + timedelta(minutes=10), T0 + timedelta(minutes=50)
    return {
        "no streams": [_row(n, T0, T0, None) for n in range(rows)],
        "two per person": [
            row
            for n in people
            for row in (_row(2 * n, T0, T0, stream(n)), _row(2 * n + 1, second, second, stream(n)))
        ],
        "after an outage": [
            row
            for n in people
            for row in (
                _row(2 * n, retried, T0, stream(n)),
                _row(2 * n + 1, second, second, stream(n)),
            )
        ],
    }


def fill(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        connection.execute(delete(DueWork))
        for start in range(0, len(rows), 5000):
            connection.execute(insert(DueWork), rows[start : start + 5000])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE due_work"))


@dataclass
class Timings:
    wall: list[float]
    client: float
    server: float
    """CPU seconds per claim here and in the PostgreSQL backend (0 on SQLite)."""
    claimed: int


def _cpu_of(pid: int | None) -> float:
    """CPU seconds process `pid` has used (0 when there is none or it is not visible)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_claims(engine: Engine, batch: int, repeat: int) -> Timings:
    """Claims one after another, each committed; then its rows are done, as if delivered."""
    wall, client, server, claimed = [], 0.0, 0.0, batch
    with db.session_factory(engine)() as session:
        postgres = engine.dialect.name == "postgresql"
        backend = session.scalar(text("SELECT pg_backend_pid()")) if postgres else None
        session.commit()
        for number in range(repeat + 1):
            started, cpu, db_cpu = time.perf_counter(), time.process_time(), _cpu_of(backend)
            ids = queue.claim(session, as_of=AS_OF, real_now=T0, worker="bench", limit=batch)
            session.commit()
            if number:  # the first warmed the statement cache
                wall.append(time.perf_counter() - started)
                client += time.process_time() - cpu
                server += _cpu_of(backend) - db_cpu
                claimed = min(claimed, len(ids))
            session.execute(update(DueWork).where(DueWork.id.in_(ids)).values(state=WorkState.DONE))
            session.commit()
    return Timings(wall, client / repeat, server / repeat, claimed)


def explain(engine: Engine, batch: int) -> str:
    statement = (
        select(DueWork.id)
        .where(queue._ready(AS_OF, T0))
        .order_by(DueWork.due_at, DueWork.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as connection:
        lines = connection.execute(text(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {compiled}"))
        return "\n".join(f"    {line}" for (line,) in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--explain", action="store_true")
    arguments = parser.parse_args()
    with database(arguments.database) as url:
        engine = db.make_engine(url)
        postgres = engine.dialect.name == "postgresql"
        for name, rows in shapes(arguments.rows).items():
            fill(engine, rows)
            plan = explain(engine, arguments.batch) if arguments.explain and postgres else ""
            timed = time_claims(engine, arguments.batch, arguments.repeat)
            print(
                f"{arguments.database} {name}: {arguments.repeat} claims of {timed.claimed} "
                f"from {len(rows):,} due rows: {statistics.median(timed.wall) * 1000:.1f} ms "
                f"median, {max(timed.wall) * 1000:.1f} ms slowest; CPU per claim "
                f"{timed.client * 1000:.1f} ms here, {timed.server * 1000:.1f} ms in the server"
            )
            if plan:
                print(plan)
        engine.dispose()


if __name__ == "__main__":
    main()
