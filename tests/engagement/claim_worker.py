"""A separate OS process that drains the queue, writing each key it handled to a file."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

from engagement import db
from engagement.duework.engine import Engine
from engagement.duework.registry import Registry, WorkContext
from tests.fakes import FakeNotifier


def wait_for_peers(out: Path, peers: int) -> None:
    """A start barrier, so the processes really race for the same rows."""
    out.with_suffix(".ready").touch()
    deadline = time.monotonic() + 60
    while len(list(out.parent.glob("*.ready"))) < peers and time.monotonic() < deadline:
        time.sleep(0.01)


def main(url: str, out: str, as_of: str, peers: str) -> None:
    handled: list[str] = []
    registry = Registry()

    @registry.kind("probe")
    def probe(context: WorkContext) -> None:
        handled.append(context.key)

    engine = db.make_engine(url)
    with engine.connect():
        pass  # connect before the barrier so start-up cost does not decide the race
    wait_for_peers(Path(out), int(peers))
    Engine(db.session_factory(engine), registry, FakeNotifier()).run_due(
        datetime.fromisoformat(as_of)
    )
    Path(out).write_text("\n".join(handled))


if __name__ == "__main__":
    main(*sys.argv[1:5])
