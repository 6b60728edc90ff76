"""A separate OS process that runs due escalation work, writing what it posted to a file."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from engagement import db
from engagement.duework.engine import Engine
from tests.engagement.claim_worker import wait_for_peers
from tests.factories import escalation_registry
from tests.fakes import FakeNotifier


def main(url: str, out: str, as_of: str, peers: str) -> None:
    notifier = FakeNotifier()
    engine = db.make_engine(url)
    with engine.connect():
        pass  # connect before the barrier so start-up cost does not decide the race
    wait_for_peers(Path(out), int(peers))
    Engine(
        db.session_factory(engine),
        escalation_registry(),
        notifier,
        worker=f"process-{out}",
    ).run_due(datetime.fromisoformat(as_of))
    lines = [
        json.dumps(
            [
                to,
                type(message).__name__,
                message.card.code,  # type: ignore[attr-defined]
                getattr(message, "reason", ""),
            ]
        )
        for to, message, _ in notifier.posts
    ]
    Path(out).write_text("\n".join(lines))


if __name__ == "__main__":
    main(*sys.argv[1:5])
