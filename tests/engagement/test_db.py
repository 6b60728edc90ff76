"""Sessions that only read: they never wait for the writer, and they cannot write."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from engagement import db
from engagement.clock import utcnow
from engagement.models import Account, ProcessedRequest
from tests.factories import load_portfolio


def test_a_read_does_not_wait_for_a_writer_holding_its_transaction(engine: Engine) -> None:
    """On SQLite a writer holds the database's one write lock until it commits."""
    writes, reads = db.session_factory(engine), db.read_session_factory(engine)
    with db.transaction(writes) as session:
        load_portfolio(session)
    written = threading.Event()
    finish = threading.Event()

    def writer() -> None:
        with db.transaction(writes) as session:
            session.add(ProcessedRequest(key="event:Ev1", at=utcnow()))
            session.flush()
            written.set()
            finish.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(10)
        started = time.monotonic()
        with reads() as session:
            names = session.scalars(select(Account.name)).all()
            unseen = session.scalar(select(func.count()).select_from(ProcessedRequest))
        assert time.monotonic() - started < 2  # the writer is still holding on
        assert "Acme Corp" in names and unseen == 0
    finally:
        finish.set()
        thread.join()


def test_writing_through_a_read_session_is_refused(engine: Engine) -> None:
    reads = db.read_session_factory(engine)
    with reads() as session, pytest.raises(RuntimeError, match="read-only"):
        session.add(ProcessedRequest(key="event:Ev2", at=utcnow()))
        session.flush()
    with reads() as session, pytest.raises(RuntimeError, match="read-only"):
        session.execute(update(Account).values(name="Renamed"))
    with db.session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedRequest)) == 0


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems give a process (022): files are created readable by all."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _modes(path: Path) -> dict[str, str]:
    """The database file's mode, its log's ("-wal") and the log index's ("-shm")."""
    return {
        name: oct(stat.S_IMODE(os.stat(f"{path}{name}").st_mode)) for name in ("", "-wal", "-shm")
    }


@pytest.mark.usefixtures("usual_umask")
def test_a_new_sqlite_database_and_its_log_are_readable_by_their_owner_only(
    tmp_path: Path,
) -> None:
    path = tmp_path / "new.sqlite3"
    db.upgrade(f"sqlite:///{path}")
    engine = db.make_engine(f"sqlite:///{path}")
    with db.transaction(db.session_factory(engine)) as session:
        load_portfolio(session)
    with engine.connect():  # the log and its index stay while a connection is open
        assert _modes(path) == dict.fromkeys(("", "-wal", "-shm"), "0o600")
    engine.dispose()


@pytest.mark.usefixtures("usual_umask")
def test_a_sqlite_database_left_readable_by_all_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db.upgrade(f"sqlite:///{path}")
    os.chmod(path, 0o644)
    earlier = sqlite3.connect(path)  # an earlier version's process, still running
    earlier.execute("PRAGMA journal_mode=WAL")
    earlier.execute("CREATE TABLE scratch (x)")
    earlier.commit()
    assert _modes(path) == dict.fromkeys(("", "-wal", "-shm"), "0o644")

    engine = db.make_engine(f"sqlite:///{path}")
    assert _modes(path) == dict.fromkeys(("", "-wal", "-shm"), "0o600")
    with db.transaction(db.session_factory(engine)) as session:
        load_portfolio(session)
    assert earlier.execute("SELECT count(*) FROM accounts").fetchone()[0] > 0
    earlier.close()
    engine.dispose()
