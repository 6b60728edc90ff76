"""A process keeps a database connection open for each thread that may use one at once: on
PostgreSQL each new connection is a backend forked, authenticated and its caches warmed."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, event
from sqlalchemy.pool import QueuePool

from bot import root
from engagement import db
from engagement.settings import Settings
from tests import pg
from tests.conftest import fresh_postgres_url


def _hold(engine: Engine, together: threading.Barrier) -> None:
    """Use a connection until every other thread of the round holds one too."""
    with engine.connect():
        together.wait(timeout=30)


def _connections_opened(engine: Engine, threads: int, rounds: int) -> list[int]:
    """Connections the engine opened in each round of `threads` threads using one at once."""
    opened = [0]
    event.listen(engine, "connect", lambda *_: opened.__setitem__(0, opened[0] + 1))
    per_round = []
    for _ in range(rounds):
        before = opened[0]
        together = threading.Barrier(threads)
        workers = [threading.Thread(target=_hold, args=(engine, together)) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        per_round.append(opened[0] - before)
    return per_round


def test_threads_past_the_pool_reconnect_every_time_and_a_pool_kept_for_them_does_not(
    postgres: pg.PostgresServer,
) -> None:
    url = fresh_postgres_url(postgres)
    default = db.make_engine(url)
    kept = db.make_engine(url, keep_open=12)
    try:
        assert _connections_opened(default, 12, rounds=3) == [12, 7, 7]
        assert _connections_opened(kept, 12, rounds=3) == [12, 0, 0]
    finally:
        default.dispose()
        kept.dispose()


def test_a_process_keeps_a_connection_for_each_of_its_threads(
    postgres: pg.PostgresServer,
) -> None:
    settings = Settings(
        database_url=fresh_postgres_url(postgres),
        web_threads=5,
        sherpa_followup_threads=7,
        slack_bot_token="xoxb-test",
    )
    runtime = root.start(settings, check_schema=False).runtime
    try:
        pool = runtime.engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.size() >= 5 + 7  # a web worker's request and follow-up threads
        assert pool.size() >= 2 * runtime.due_engine().concurrency  # a clock's workers
    finally:
        runtime.engine.dispose()
