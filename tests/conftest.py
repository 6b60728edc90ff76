"""Shared fixtures: every database test runs on SQLite and on a real PostgreSQL; the
end-to-end and reliability tests get a running stack (emulator + real endpoint)."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from engagement import db
from engagement.clock import MovableClock
from sherpa_demo.stack import Stack, running_stack
from tests import pg
from tests.factories import ADMIN, NOW, app_sessions, load_portfolio, portfolio, workspace_for

_names = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[pg.PostgresServer]:
    if not pg.available():
        pytest.skip(f"no PostgreSQL binaries at {pg.PG_BIN} (set SHERPA_PG_BIN)")
    server = pg.PostgresServer.start()
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE sherpa_template"))
    admin.dispose()
    db.upgrade(server.url("sherpa_template"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db.upgrade(f"sqlite:///{path}")
    return path


def fresh_postgres_url(server: pg.PostgresServer) -> str:
    """A new database cloned from the migrated template: fast and isolated."""
    name = f"sherpa_test_{next(_names)}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE sherpa_template"))
    admin.dispose()
    return server.url(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "sherpa.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return fresh_postgres_url(request.getfixturevalue("postgres"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return app_sessions(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


# --- end to end: the emulator and Sherpa's real HTTP endpoint ------------------------

STRANGER = "U0STRANGER"


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "e2e.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{path}"


@pytest.fixture
def stack(sqlite_url: str) -> Iterator[Stack]:
    """The test portfolio loaded; the emulator knows every person and channel in it."""
    workspace = loaded_workspace(sqlite_url)
    with running_stack(sqlite_url, workspace, admins=ADMIN) as running:
        yield running


def loaded_workspace(database_url: str) -> dict[str, Any]:
    """Load the test portfolio into a migrated database; the emulator workspace for it."""
    document = portfolio()
    engine = db.make_engine(database_url)
    with db.session_factory(engine)() as session:
        load_portfolio(session, document)
    engine.dispose()
    workspace = workspace_for(document)
    workspace["users"] += [
        {"id": ADMIN, "name": "admin", "tz": "UTC"},
        {"id": STRANGER, "name": "stranger", "tz": "UTC"},  # in Slack, on no account
    ]
    return workspace


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def clocked_stack(sqlite_url: str, clock: MovableClock) -> Iterator[Stack]:
    """Like `stack`, but Sherpa's clock is the test's `clock` (starting at factories.NOW)."""
    workspace = loaded_workspace(sqlite_url)
    with running_stack(sqlite_url, workspace, admins=ADMIN, clock=clock) as running:
        yield running
