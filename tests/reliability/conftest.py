"""The reliability suite runs on the same end-to-end stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.demo.stack import Stack, running_stack
from engagement import db
from tests.factories import ADMIN, load_portfolio, portfolio, workspace_for


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "e2e.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{path}"


@pytest.fixture
def stack(sqlite_url: str) -> Iterator[Stack]:
    """The test portfolio loaded; the emulator knows every person and channel in it."""
    document = portfolio()
    engine = db.make_engine(sqlite_url)
    with db.session_factory(engine)() as session:
        load_portfolio(session, document)
    engine.dispose()
    workspace = workspace_for(document)
    workspace["users"].append({"id": ADMIN, "name": "admin", "tz": "UTC"})
    with running_stack(sqlite_url, workspace, admins=ADMIN) as running:
        yield running
