"""What the end-to-end tests share: the test portfolio behind the real endpoint, on each
database (a module that needs another stack, a clocked one, defines its own `live`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sherpa_demo.stack import Stack, running_stack
from tests.conftest import fresh_postgres_url, loaded_workspace
from tests.factories import ADMIN


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """The test portfolio loaded into a database of each kind, behind the real endpoint."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        url = fresh_postgres_url(request.getfixturevalue("postgres"))
    with running_stack(url, loaded_workspace(url), admins=ADMIN) as stack:
        yield stack
