"""A separate OS process that drains a queue of streams, writing down when it ran each key.

Each line is `<key> <stream> <start> <end>` (system-wide monotonic nanoseconds, comparable
between processes), or `overlap <key>` when another row of the same stream was claimed
while this one ran.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from engagement import db
from engagement.duework.engine import Engine
from engagement.duework.registry import Registry, WorkContext
from engagement.models import DueWork, WorkState
from tests.engagement.claim_worker import wait_for_peers
from tests.fakes import FakeNotifier


def main(url: str, out: str, as_of: str, peers: str, concurrency: str) -> None:
    lines: list[str] = []
    lock = threading.Lock()
    registry = Registry()

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        start = time.monotonic_ns()
        stream = context.session.scalars(
            select(DueWork.stream).where(DueWork.key == context.key)
        ).one()
        claimed = context.session.scalar(
            select(func.count()).where(DueWork.stream == stream, DueWork.state == WorkState.CLAIMED)
        )
        with lock:
            if claimed:  # this row is already done in its own transaction: another run
                lines.append(f"overlap {context.key}")
            lines.append(f"{context.key} {stream} {start} {time.monotonic_ns()}")

    engine = db.make_engine(url, pool_size=int(concurrency) + 2)
    with engine.connect():
        pass  # connect before the barrier so start-up cost does not decide the race
    wait_for_peers(Path(out), int(peers))
    Engine(
        db.session_factory(engine),
        registry,
        FakeNotifier(),
        concurrency=int(concurrency),
    ).run_due(datetime.fromisoformat(as_of))
    Path(out).write_text("\n".join(lines))


if __name__ == "__main__":
    main(*sys.argv[1:6])
