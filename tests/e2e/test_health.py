"""`/healthz` where a clock is expected: 503 with the reason once no clock has run for three
minutes; a fresh install, whose clock has not run yet, is healthy meanwhile."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from engagement.clock import utcnow
from engagement.db import transaction
from engagement.duework.heartbeat import beat
from sherpa_demo.stack import Stack, running_stack
from tests.conftest import loaded_workspace
from tests.e2e.test_platform import request_http
from tests.factories import NOW


@pytest.fixture
def served(sqlite_url: str) -> Iterator[Stack]:
    """As `sherpa serve` runs it: a clock is expected, its own or the Procfile's."""
    with running_stack(sqlite_url, loaded_workspace(sqlite_url), clock_expected=True) as stack:
        yield stack


def health(stack: Stack) -> tuple[int, dict[str, object]]:
    status, body = request_http(stack.url.replace("/slack/events", "/healthz"), method="GET")
    return status, json.loads(body)


def test_a_silent_clock_makes_healthz_503_with_the_reason(served: Stack) -> None:
    assert health(served) == (
        200, {"status": "ok", "database": "ok", "scheduler_last_run": None}
    )  # fmt: skip
    stale = utcnow() - timedelta(minutes=4)
    with transaction(served.runtime.sessions) as session:
        beat(session, "clock-host:1", stale)
    status, body = health(served)
    assert status == 503
    assert body["status"] == "unavailable" and body["database"] == "ok"
    assert body["reasons"] == [
        f"no clock has run for 4 min (last at {stale:%Y-%m-%d %H:%M:%S} UTC)"
    ]
    served.tick(NOW)  # a clock runs again
    status, body = health(served)
    assert status == 200 and "reasons" not in body


def test_without_a_clock_expected_a_stale_beat_is_no_reason(stack: Stack) -> None:
    with transaction(stack.runtime.sessions) as session:
        beat(session, "clock-host:1", utcnow() - timedelta(hours=1))
    assert health(stack)[0] == 200
