"""Requests an attacker or a broken proxy would send, at the real endpoint.

Unverified requests get 401 and reach nothing; replies go only to Slack's hosts; a
replayed command or click changes nothing twice; a signed but malformed payload gets 400.
"""

from __future__ import annotations

import json
import logging
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import func, select

from bot.app import create_app
from engagement.models import AdvocacyAction, Escalation, KpiActual
from sherpa_demo.stack import Stack
from slack_emulator.actor import sign
from slack_emulator.interactions import ResponseTarget
from tests.factories import NOW

SAM = "U0SAM0001"  # SAM of Acme Corp
SPONSOR = "U0SPN0001"  # its sponsor


def post(
    stack: Stack,
    body: str,
    *,
    content_type: str = "application/x-www-form-urlencoded",
    timestamp: str | None = None,
    signature: str | None = None,
    signed: bool = True,
) -> int:
    """POST `body` as Slack would (signed now), or with the given headers."""
    stamp = timestamp if timestamp is not None else str(int(time.time()))
    headers = {"Content-Type": content_type}
    if signed:
        headers["X-Slack-Request-Timestamp"] = stamp
        headers["X-Slack-Signature"] = signature or sign(stack.emulator.signing_secret, stamp, body)
    request = urllib.request.Request(stack.url, body.encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def reply_url(stack: Stack, user: str) -> str:
    """A response_url of the emulator's that records what is posted to it, for `user`."""
    channel = stack.emulator.workspace.dm(user, create=True) or ""
    url_id = stack.emulator.response_urls.register(ResponseTarget(user, channel))
    return f"{stack.emulator.url}response/{url_id}"


def command_body(stack: Stack, text: str, *, response_url: str | None = None) -> str:
    return urllib.parse.urlencode({
        "command": "/sponsor", "text": text, "user_id": SAM, "channel_id": "D0SAM0001",
        "team_id": "T0EMULATE1", "trigger_id": stack.emulator.triggers.mint(SAM),
        "response_url": response_url or reply_url(stack, SAM),
    })  # fmt: skip


def interaction(payload: Mapping[str, Any]) -> str:
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def count(stack: Stack, model: Any) -> int:
    with stack.runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback port standing for an internal service nobody outside may reach."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.setblocking(False)
        yield server


def said_anything(stack: Stack) -> bool:
    """Whether Sherpa called Slack or replied (Bolt's own `auth.test`, made once when its
    app first dispatches a request, is not Sherpa's)."""
    calls = [call for call in stack.emulator.calls() if call.method != "auth.test"]
    return bool(calls or stack.emulator.responses())


def nobody_connected(server: socket.socket) -> bool:
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return True
    connection.close()
    return False


# --- 1. nothing unverified gets an answer ---------------------------------------------------

GARBLED = [
    ("abc", "v0=00"),
    ("1.5", "v0=" + "0" * 64),
    ("", "v0=" + "0" * 64),
    (" 1", "v0=" + "0" * 64),
    ("NOW", "v0=\u00e9" * 8),  # not ASCII
    ("NOW", "v1=" + "0" * 64),
    ("NOW", "v0=" + "G" * 64),
]


@pytest.mark.parametrize(("timestamp", "signature"), GARBLED)
def test_a_garbled_signature_header_gets_401_and_reaches_nothing(
    stack: Stack, listener: socket.socket, timestamp: str, signature: str
) -> None:
    port = listener.getsockname()[1]
    body = command_body(
        stack, "escalate Acme Corp high Unsigned", response_url=f"http://127.0.0.1:{port}/x"
    )
    stamp = str(int(time.time())) if timestamp == "NOW" else timestamp
    assert post(stack, body, timestamp=stamp, signature=signature) == 401
    stack.settle()
    assert nobody_connected(listener)
    assert stack.emulator.calls() == [] and stack.emulator.responses() == []
    assert count(stack, Escalation) == 0


def test_an_unsigned_interaction_reaches_nothing(stack: Stack) -> None:
    payload = {"type": "block_actions", "user": {"id": SAM}, "trigger_id": "1.2.3",
               "channel": {"id": "C0EXEC0001"}, "actions": [{"action_id": "zzz"}]}  # fmt: skip
    assert post(stack, interaction(payload), signed=False) == 401
    assert post(stack, interaction(payload), timestamp="1e9", signature="v0=00") == 401
    stack.settle()
    assert stack.emulator.calls() == [] and stack.emulator.responses() == []


def test_replies_go_only_to_slack(
    stack: Stack, listener: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    """A signed request whose response_url is not Slack's gets no reply there."""
    port = listener.getsockname()[1]
    caplog.set_level(logging.INFO, logger="bot.notifier")
    body = command_body(stack, "status Nowhere", response_url=f"http://127.0.0.1:{port}/internal")
    assert post(stack, body) == 200
    stack.settle()
    assert nobody_connected(listener)
    assert "slack.respond ok=false error=untrusted_url" in caplog.text


# --- 5. replays ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("escalate Acme Corp high Renewal blocked", Escalation),
        ("kpi Acme Corp joint_revenue_growth 7", KpiActual),
        ("log Acme Corp Unblocked the security review", AdvocacyAction),
    ],
)
def test_a_replayed_command_writes_once(stack: Stack, text: str, model: Any) -> None:
    before = count(stack, model)
    body = command_body(stack, text)
    stamp = str(int(time.time()))
    signature = sign(stack.emulator.signing_secret, stamp, body)
    for _ in range(3):
        assert post(stack, body, timestamp=stamp, signature=signature) == 200
        stack.settle()
    assert count(stack, model) == before + 1
    said = [str(p.body.get("text")) for p in stack.emulator.responses(SAM)]
    assert said[1:] == ["That was already done; nothing changed."] * 2


def test_a_replayed_click_changes_nothing_twice(clocked_stack: Stack) -> None:
    stack = clocked_stack
    stack.slack.slash(SAM, "escalate Acme Corp high Renewal blocked")
    stack.settle()
    stack.tick(NOW)
    [dm] = [m for m in stack.emulator.messages(SPONSOR) if "ESC-1" in str(m.get("text"))]
    payload = {
        "type": "block_actions", "user": {"id": SPONSOR}, "trigger_id":
        stack.emulator.triggers.mint(SPONSOR), "channel": {"id": dm["channel"]},
        "container": {"type": "message", "channel_id": dm["channel"], "message_ts": dm["ts"]},
        "message": dm, "response_url": reply_url(stack, SPONSOR),
        "actions": [{"type": "button", "action_id": "escalation_acknowledge",
                     "value": "1", "block_id": "b", "action_ts": "1"}],
    }  # fmt: skip
    body = interaction(payload)
    stamp = str(int(time.time()))
    signature = sign(stack.emulator.signing_secret, stamp, body)
    for _ in range(2):
        assert post(stack, body, timestamp=stamp, signature=signature) == 200
        stack.settle()
    said = [str(p.body.get("text")) for p in stack.emulator.responses(SPONSOR)]
    assert said == ["You acknowledged ESC-1.", "That was already done; nothing changed."]


# --- 8. signed but malformed payloads --------------------------------------------------------


def checkin_view(**overrides: Any) -> dict[str, Any]:
    view = {"id": "V0MALFORM", "type": "modal", "callback_id": "checkin_answer",
            "hash": "1", "private_metadata": json.dumps({"checkin_id": 1}),
            "state": {"values": {}}}  # fmt: skip
    view.update(overrides)
    return {key: value for key, value in view.items() if value is not None}


MALFORMED = {
    "state values a string": {"type": "view_submission", "user": {"id": SAM},
                              "view": checkin_view(state={"values": "oops"})},
    "state values a list": {"type": "view_submission", "user": {"id": SAM},
                            "view": checkin_view(state={"values": [1, 2]})},
    "an input's state a list": {"type": "view_submission", "user": {"id": SAM},
                                "view": checkin_view(state={"values": {"b": {"a": []}}})},
    "no view id": {"type": "view_submission", "user": {"id": SAM},
                   "view": checkin_view(id=None)},
    "a click without user": {"type": "block_actions", "trigger_id": "1.2.3",
                             "actions": [{"action_id": "checkin_skip", "value": "1"}]},
    "a user that is text": {"type": "block_actions", "user": "U0SAM0001", "trigger_id": "1",
                            "actions": [{"action_id": "checkin_skip", "value": "1"}]},
    "actions not a list": {"type": "block_actions", "user": {"id": SAM}, "trigger_id": "1",
                           "actions": {"action_id": "checkin_skip"}},
    "no actions": {"type": "block_actions", "user": {"id": SAM}, "trigger_id": "1",
                   "actions": []},
    "an event that is null": {"type": None, "event_id": "Ev0", "event": None},
    "a shortcut without trigger": {"type": "message_action", "user": {"id": SAM},
                                   "callback_id": "escalate_to_sponsor"},
}  # fmt: skip


@pytest.mark.parametrize("shape", sorted(MALFORMED))
def test_a_malformed_interaction_gets_400(stack: Stack, shape: str) -> None:
    assert post(stack, interaction(MALFORMED[shape])) == 400
    stack.settle()
    assert not said_anything(stack)


def test_a_home_opened_event_without_user_gets_400(stack: Stack) -> None:
    event = {"type": "event_callback", "event_id": "Ev0MALFORM", "team_id": "T0EMULATE1",
             "event": {"type": "app_home_opened", "tab": "home"}}  # fmt: skip
    assert post(stack, json.dumps(event), content_type="application/json") == 400
    stack.settle()
    assert not said_anything(stack)


HUGE = str(10**30)


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "block_actions", "user": {"id": SAM}, "trigger_id": "1.2.3",
         "actions": [{"action_id": "checkin_skip", "value": HUGE}]},
        {"type": "block_actions", "user": {"id": SAM}, "trigger_id": "1.2.3",
         "actions": [{"action_id": "checkin_answer", "value": HUGE}]},
        {"type": "block_actions", "user": {"id": SAM}, "trigger_id": "1.2.3",
         "actions": [{"action_id": "scorecard_details", "value": HUGE}]},
        {"type": "view_submission", "user": {"id": SAM}, "view": checkin_view(
            private_metadata=json.dumps({"checkin_id": 10**30}))},
        {"type": "view_submission", "user": {"id": SAM}, "view": {
            "id": "V0MALFORM", "type": "modal", "callback_id": "escalation_resolve_note",
            "hash": "1",
            "private_metadata": json.dumps({"escalation_id": 10**30}),
            "state": {"values": {}}}},
    ],
    ids=["skip", "answer", "details", "checkin submission", "resolve submission"],
)  # fmt: skip
def test_an_id_too_large_for_the_database_is_refused_in_one_line(
    stack: Stack, payload: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    payload = {**payload, "response_url": reply_url(stack, SAM)}
    assert post(stack, interaction(payload)) < 500
    stack.settle()
    said = [str(p.body.get("text")) for p in stack.emulator.responses(SAM)]
    said += [str(c.args.get("text")) for c in stack.emulator.calls("chat.postMessage")]
    assert said and not any("Something went wrong" in line for line in said)
    assert "request.failed" not in caplog.text


def test_bolt_behind_the_endpoint_never_answers_an_unverified_request(stack: Stack) -> None:
    """Defence in depth: handed a header its verifier raises on, Bolt's error handler does
    not reply through the unverified body, even to a response_url Sherpa would trust."""
    request = BoltRequest(
        body=command_body(stack, "help"),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": "abc",
            "x-slack-signature": "v0=00",
        },
    )
    answer = create_app(stack.runtime, stack.surfaces).dispatch(request)
    stack.settle()
    assert answer.status >= 400
    assert stack.emulator.calls() == [] and stack.emulator.responses() == []
