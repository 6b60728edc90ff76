"""End-to-end fixtures: a running stack on a migrated database with the test portfolio."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.demo.stack import Stack, running_stack
from engagement import db
from tests.factories import ADMIN, NOW, load_portfolio, portfolio, workspace_for


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


class MovableClock:
    """Sherpa's "now" in a test: fixed until the test moves it (`clock.at = …`)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def loaded_workspace(database_url: str) -> dict[str, Any]:
    """Load the test portfolio into a migrated database; the emulator workspace for it."""
    document = portfolio()
    engine = db.make_engine(database_url)
    with db.session_factory(engine)() as session:
        load_portfolio(session, document)
    engine.dispose()
    workspace = workspace_for(document)
    workspace["users"].append({"id": ADMIN, "name": "admin", "tz": "UTC"})
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
