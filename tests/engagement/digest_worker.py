"""A separate OS process running all due work with the real registry, logging what it posted."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from bot.root import wire
from engagement import db
from engagement.duework.engine import Engine
from tests.engagement.claim_worker import wait_for_peers
from tests.fakes import FakeNotifier


def main(url: str, out: str, as_of: str, peers: str) -> None:
    registry = wire().due_work
    notifier = FakeNotifier()
    engine = db.make_engine(url)
    with engine.connect():
        pass
    wait_for_peers(Path(out), int(peers))
    Engine(db.session_factory(engine), registry, notifier).run_due(datetime.fromisoformat(as_of))
    lines = [f"{type(message).__name__} {to} {thread}" for to, message, thread in notifier.posts]
    lines += [f"upload {where.channel} {where.ts}" for where, _, _ in notifier.uploads]
    Path(out).write_text("\n".join(lines))


if __name__ == "__main__":
    main(*sys.argv[1:5])
