"""Engines, sessions, the schema-version check, and a few helpers every query module uses."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import ColumnElement, Engine, create_engine, event, func, make_url, select
from sqlalchemy.exc import OperationalError, StatementError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from engagement.errors import Invalid

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str, *, keep_open: int | None = None, **options: Any) -> Engine:
    """One engine per process; SQLite gets foreign keys, WAL and a busy timeout.

    `keep_open`: on PostgreSQL, the connections the pool keeps between uses, one for each
    thread that may use the database at once. A thread beyond the pool's size opens a
    connection and closes it after use, and each new one is a PostgreSQL backend forked,
    authenticated and its caches warmed again.

    SQL parameters are never shown (`hide_parameters`): not in an error's message, not in
    a log. They carry what people typed.
    """
    options["hide_parameters"] = True
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            folder = Path(path).parent
            if not folder.is_dir():
                raise Invalid(
                    f"DATABASE_URL: the folder {folder} does not exist: create it "
                    "(SQLite creates the database file, not its folder)"
                )
            _make_private(path)
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    if keep_open is not None:
        options["pool_size"] = keep_open
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


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str | None:
    return _scripts().get_current_head()


def _unreachable(engine: Engine, error: OperationalError) -> Invalid:
    """One line for a database that cannot be reached: where (without the password) and
    the driver's first line of why."""
    where = engine.url.render_as_string(hide_password=True)
    reason = (str(error.orig).strip().splitlines() or ["no reason given"])[0]
    return Invalid(f"the database at {where} cannot be reached: {reason}")


def current_revision(engine: Engine) -> str | None:
    """The schema's revision (None for an empty database); a database that cannot be
    reached is one `Invalid` line."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as error:
        raise _unreachable(engine, error) from None


def _known(revision: str) -> bool:
    return revision in {script.revision for script in _scripts().walk_revisions()}


def _refuse_newer(current: str | None) -> None:
    """A schema this code does not know came from a newer version of Sherpa (a rollback)."""
    if current is not None and not _known(current):
        head = head_revision()
        raise Invalid(
            f"the database schema is at revision {current}, newer than this version of "
            f"Sherpa knows (its latest is {head}): deploy the newer version again, or with "
            f"the newer version run `sherpa db downgrade {head}` first"
        )


def _migrate(url: str, step: Callable[[Config], None]) -> None:
    engine = make_engine(url)
    try:
        _refuse_newer(current_revision(engine))
    finally:
        engine.dispose()
    try:
        step(alembic_config(url))
    except CommandError as error:
        raise Invalid(str(error).strip().splitlines()[0]) from None


def upgrade(url: str) -> None:
    """Apply every pending migration (`sherpa db upgrade`)."""
    _migrate(url, lambda config: command.upgrade(config, "head"))


def downgrade(url: str, revision: str) -> None:
    """Undo the migrations after `revision` (`sherpa db downgrade REV`)."""
    if revision != "base" and not _known(revision):
        raise Invalid(f"{revision!r} is not a revision: `sherpa db history` lists them")
    _migrate(url, lambda config: command.downgrade(config, revision))


def history() -> list[tuple[str, str]]:
    """Every revision, newest first, with its one-line description."""
    return [(script.revision, script.doc or "") for script in _scripts().walk_revisions()]


def ensure_current(engine: Engine) -> None:
    """Refuse to work on a schema that is not at the latest migration."""
    current = current_revision(engine)
    _refuse_newer(current)
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
