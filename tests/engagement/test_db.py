"""Sessions that only read: they never wait for the writer, and they cannot write."""

from __future__ import annotations

import threading
import time

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
