"""The end-to-end check-in and escalation tests again, with Slack's requests coming over a
Socket Mode connection (as with `sherpa dev`, for a team with no public URL) instead of
signed HTTP: the same assertions, the other transport.

Only the tests where people act (a command, a click, a submission) are repeated: the
check-ins' delivery tests only call Slack, which is the same either way."""

from __future__ import annotations

import http.client
import inspect
from collections.abc import Iterator
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import pytest

from engagement.clock import MovableClock
from sherpa_demo.stack import Stack, running_stack
from slack_emulator import Emulator
from tests.conftest import loaded_workspace
from tests.e2e import test_checkins, test_escalations
from tests.e2e.test_checkins import delivered, make_world  # noqa: F401 (their fixtures)
from tests.e2e.test_escalations import live  # noqa: F401
from tests.factories import ADMIN

ACTING = {"delivered", "live"}


def _acting(module: Any) -> dict[str, Any]:
    return {
        name: function
        for name, function in vars(module).items()
        if name.startswith("test_")
        and callable(function)
        and ACTING & set(inspect.signature(function).parameters)
    }


globals().update(_acting(test_checkins))
globals().update(_acting(test_escalations))


@pytest.fixture(autouse=True)
def over_socket_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check-in tests' worlds start their stacks with Socket Mode on."""
    monkeypatch.setattr(test_checkins, "running_stack", partial(running_stack, socket_mode=True))


@pytest.fixture
def clocked_stack(sqlite_url: str, clock: MovableClock) -> Iterator[Stack]:
    workspace = loaded_workspace(sqlite_url)
    with running_stack(
        sqlite_url, workspace, admins=ADMIN, clock=clock, socket_mode=True
    ) as running:
        yield running


def test_requests_arrive_over_the_socket_not_the_endpoint(clocked_stack: Stack) -> None:
    """Nothing reaches the HTTP endpoint: the emulator pushes envelopes and Sherpa acks."""
    clocked_stack.emulator.app_url = "http://127.0.0.1:9/closed"  # would refuse a POST
    result = clocked_stack.slack.slash("U0SAM0001", "help")
    assert result.status == 200
    clocked_stack.settle()
    assert (
        "/sponsor status [account]" in clocked_stack.emulator.responses("U0SAM0001")[0].body["text"]
    )


def test_socket_mode_needs_the_app_level_token() -> None:
    """`apps.connections.open` refuses the bot token, as Slack does."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    with Emulator() as emulator:
        client = WebClient(base_url=emulator.api_url)
        with pytest.raises(SlackApiError) as refused:
            client.apps_connections_open(app_token=emulator.bot_token)
        assert refused.value.response["error"] == "not_allowed_token_type"
        opened = client.apps_connections_open(app_token=emulator.app_token)
        assert str(opened["url"]).startswith("ws://127.0.0.1:")
        url = urlsplit(str(opened["url"]))
        assert [_handshake(url.netloc, f"{url.path}?{url.query}") for _ in range(2)] == [101, 400]


def _handshake(host: str, path: str) -> int:
    """A WebSocket opening handshake's status: a URL opens one connection only."""
    connection = http.client.HTTPConnection(host, timeout=5)
    connection.request(
        "GET",
        path,
        headers={
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
        },
    )
    status = connection.getresponse().status
    connection.close()
    return status
