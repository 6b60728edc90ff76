"""Engines, sessions, the schema-version check, and a few helpers every query module uses."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import ColumnElement, Engine, create_engine, event, func, make_url, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from engagement.errors import Invalid

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str, **options: Any) -> Engine:
    """One engine per process; SQLite gets foreign keys, WAL and a busy timeout.

    SQL parameters are never shown (`hide_parameters`): not in an error's message, not in
    a log. They carry what people typed.
    """
    options["hide_parameters"] = True
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            _make_private(path)
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


PRIVATE = 0o600
"""The mode of the SQLite database and its -wal and -shm files: they hold people's words."""


def _make_private(path: str) -> None:
    """Before the first connection: create the database file readable by its owner only
    (SQLite would make it 0644 under the usual 022 umask), or take group and other access
    from one an earlier version left open. SQLite gives the -wal and -shm files it creates
    the database file's mode; any already there are closed the same way.

    An existing file is never opened here: closing a descriptor drops every lock this
    process holds on the file, including those of SQLite connections already open on it.
    Whatever cannot be done (no such directory, someone else's file) is left for SQLite
    to report when it connects.
    """
    with suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    for name in (path, f"{path}-wal", f"{path}-shm"):
        with suppress(OSError):
            if stat.S_IMODE(os.stat(name).st_mode) & 0o077:
                os.chmod(name, PRIVATE)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below drive transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")  # freed space is zeroed: a forget leaves no trace
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


READ_ONLY = "sherpa_read_only"
"""Execution option of the engine behind `read_session_factory`."""


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock at BEGIN so read-then-write never deadlocks.

    A session made for reading (`read_session_factory`) takes a snapshot instead: in
    WAL mode it neither waits for the one writer nor holds it up.
    """
    read_only = connection.get_execution_options().get(READ_ONLY)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def read_only(engine: Engine) -> Engine:
    """The engine for work that only reads: on SQLite its transactions take a snapshot
    (`BEGIN`) instead of the write lock."""
    return engine.execution_options(**{READ_ONLY: True})


def read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that only read: on SQLite they never queue for the write lock, so
    answering a question never waits for someone else's change to be written.

    Writing through one is a bug, refused before it reaches the database.
    """
    factory = sessionmaker(read_only(engine), expire_on_commit=False)
    event.listen(factory, "before_flush", _refuse_write)
    event.listen(factory, "do_orm_execute", _refuse_statement)
    return factory


def _refuse_write(session: Session, *_args: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read-only session cannot write")


def _refuse_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise RuntimeError("a read-only session cannot write")


def count(session: Session, condition: ColumnElement[bool]) -> int:
    """How many rows match `condition` (its table is taken from the condition)."""
    return int(session.scalar(select(func.count()).where(condition)) or 0)


def rowcount(result: Any) -> int:
    """How many rows an UPDATE or DELETE changed (0 where the driver does not say)."""
    return int(getattr(result, "rowcount", 0) or 0)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Apply every pending migration (`sherpa db upgrade`)."""
    command.upgrade(alembic_config(url), "head")


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def ensure_current(engine: Engine) -> None:
    """Refuse to work on a schema that is not at the latest migration."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head_revision():
        raise Invalid("the database schema is not up to date: run `sherpa db upgrade` first")


def failed_statement(error: BaseException) -> StatementError | None:
    """The failed SQL statement `error` comes from, if any (following its causes).

    Its message must not be logged or stored: PostgreSQL quotes the failing row there,
    which can be what someone typed. Its statement (without parameters) and types can.
    """
    found: BaseException | None = error
    for _ in range(20):  # a chain of causes can loop
        if found is None or isinstance(found, StatementError):
            break
        found = found.__cause__ or found.__context__
    return found if isinstance(found, StatementError) else None


def error_summary(error: BaseException) -> str:
    """`Type: message` for the log and the due-work row, leaving out a database's message."""
    statement = failed_statement(error)
    if statement is None:
        return f"{type(error).__name__}: {error}"
    sql = " ".join((statement.statement or "").split())[:300]
    return f"{type(error).__name__} ({type(statement.orig).__name__}) in: {sql}"
