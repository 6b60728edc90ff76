"""Garbage of every kind, correctly signed, at the real endpoint: never a 5xx, never a
traceback to the person, never a row written by a rejected input."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.root import wire
from bot.slash import grammar
from engagement.access import account_names
from engagement.errors import Invalid
from engagement.models import Base
from sherpa_demo.stack import Stack
from slack_emulator.actor import sign
from tests.conftest import STRANGER

MEMBER = "U0SAM0001"
EXAMPLES = settings(
    max_examples=int(os.environ.get("SHERPA_FUZZ_EXAMPLES", "60")),  # `make reliability`: more
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
IGNORED_TABLES = {"processed_requests", "scheduler_beats"}


def row_counts(stack: Stack) -> dict[str, int]:
    with stack.runtime.sessions() as session:
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables if table.name not in IGNORED_TABLES
        }  # fmt: skip


def said_to_people(stack: Stack) -> str:
    texts = [json.dumps(post.body) for post in stack.emulator.responses()]
    texts += [json.dumps(call.args) for call in stack.emulator.calls()]
    return "\n".join(texts)


def no_traceback(stack: Stack) -> None:
    told = said_to_people(stack)
    assert "Traceback" not in told and 'File \\"' not in told


def post_signed(stack: Stack, body: bytes, content_type: str) -> int:
    stamp = str(int(time.time()))
    request = urllib.request.Request(stack.url, data=body, method="POST", headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(stack.emulator.signing_secret, stamp,
                                  body.decode("utf-8", "replace")),
    })  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.fixture
def fuzz_stack(stack: Stack) -> Stack:
    """The end-to-end stack; the stranger is any Slack user who belongs to no account."""
    return stack


words = st.sampled_from(
    [
        *grammar.USAGE,
        "ESC-1",
        "ESC-999999",
        "Acme",
        "Acme Corp",
        "Globex",
        "critical",
        "high",
        "2026-12-28",
        "'; DROP TABLE accounts; --",
        "$(rm -rf /)",
        "<!channel>",
        "\u202e",
        "9" * 30,
    ]
)
slash_texts = st.one_of(
    st.text(max_size=120),
    st.lists(st.one_of(words, st.text(max_size=15)), max_size=8).map(" ".join),
)


@EXAMPLES
@given(text=slash_texts)
def test_slash_commands(fuzz_stack: Stack, text: str) -> None:
    stack = fuzz_stack
    with stack.runtime.sessions() as session:
        names = account_names(session)
    try:
        grammar.parse(text, names)
        rejected = False
    except Invalid:
        rejected = True
    before = row_counts(stack)
    result = stack.slack.slash(MEMBER, text)
    stack.settle()
    assert result.status < 500
    if rejected:
        assert row_counts(stack) == before
    no_traceback(stack)


junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@EXAMPLES
@given(
    action_id=st.one_of(st.sampled_from(sorted(wire().slack.actions)), st.text(max_size=20)),
    value=st.one_of(st.text(max_size=20), st.integers().map(str)),
)
def test_button_clicks_by_a_stranger(fuzz_stack: Stack, action_id: str, value: str) -> None:
    stack = fuzz_stack
    before = row_counts(stack)
    payload = {
        "type": "block_actions", "user": {"id": STRANGER}, "team": {"id": "T0EMULATE1"},
        "api_app_id": "A0SHERPA00", "trigger_id": "1.2.3", "container": {"type": "message"},
        "channel": {"id": "D0STRANGER"}, "response_url": f"{stack.emulator.url}response/none",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                     "action_ts": "1"}],
    }  # fmt: skip
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    assert post_signed(stack, body, "application/x-www-form-urlencoded") < 500
    stack.settle()
    assert row_counts(stack) == before
    no_traceback(stack)


@EXAMPLES
@given(
    callback_id=st.one_of(st.sampled_from(sorted(wire().slack.views)), st.text(max_size=20)),
    state=st.dictionaries(
        st.text(max_size=12),
        st.dictionaries(
            st.text(max_size=8),
            st.dictionaries(
                st.sampled_from(["type", "value", "selected_option", "selected_date"]),
                junk,
                max_size=3,
            ),
            max_size=2,
        ),
        max_size=6,
    ),
    metadata=st.one_of(st.text(max_size=40), junk.map(json.dumps)),
)
def test_view_submissions_by_a_stranger(
    fuzz_stack: Stack, callback_id: str, state: dict[str, Any], metadata: str
) -> None:
    stack = fuzz_stack
    before = row_counts(stack)
    payload = {
        "type": "view_submission", "user": {"id": STRANGER}, "team": {"id": "T0EMULATE1"},
        "api_app_id": "A0SHERPA00", "trigger_id": "1.2.3",
        "view": {"id": "V0FUZZ", "type": "modal", "callback_id": callback_id,
                 "private_metadata": metadata, "hash": "1", "state": {"values": state},
                 "blocks": []},
    }  # fmt: skip
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    assert post_signed(stack, body, "application/x-www-form-urlencoded") < 500
    stack.settle()
    assert row_counts(stack) == before
    no_traceback(stack)


@EXAMPLES
@given(document=junk, cut=st.integers(min_value=0, max_value=200), as_form=st.booleans())
def test_random_and_truncated_payloads(
    fuzz_stack: Stack, document: Any, cut: int, as_form: bool
) -> None:
    stack = fuzz_stack
    before = row_counts(stack)
    text = json.dumps(document)
    text = text[: max(0, len(text) - cut % (len(text) + 1))] if cut % 2 else text
    if as_form:
        status = post_signed(
            stack,
            urllib.parse.urlencode({"payload": text}).encode(),
            "application/x-www-form-urlencoded",
        )
    else:
        status = post_signed(stack, text.encode(), "application/json")
    stack.settle()
    assert status < 500
    assert row_counts(stack) == before
    no_traceback(stack)


# --- headers: nothing unverified reaches anything --------------------------------------------

header_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=80,
)
timestamps = st.one_of(
    st.none(),
    header_text,
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True).map(str),
    st.just("now"),
)
signatures = st.one_of(
    st.none(),
    header_text,
    header_text.map(lambda text: "v0=" + text),
    st.binary(min_size=32, max_size=32).map(lambda raw: "v0=" + raw.hex()),
)


@EXAMPLES
@given(timestamp=timestamps, signature=signatures, as_command=st.booleans())
def test_unverified_requests_reach_nothing(
    fuzz_stack: Stack, timestamp: str | None, signature: str | None, as_command: bool
) -> None:
    """Random signature headers (or none): 401, no call to Slack, no reply, no row."""
    stack = fuzz_stack
    before = row_counts(stack)
    reply_to = f"{stack.emulator.url}response/none"
    if as_command:
        body = urllib.parse.urlencode({"command": "/sponsor", "user_id": MEMBER,
            "text": "escalate Acme Corp high Unsigned", "channel_id": "C0ACME0001",
            "trigger_id": "1.2.3", "response_url": reply_to}).encode()  # fmt: skip
    else:
        body = urllib.parse.urlencode({"payload": json.dumps({"type": "block_actions",
            "user": {"id": MEMBER}, "trigger_id": "1.2.3", "response_url": reply_to,
            "actions": [{"action_id": "nope", "value": "1"}]})}).encode()  # fmt: skip
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = (
            str(int(time.time())) if timestamp == "now" else timestamp
        )
    if signature is not None:
        headers["X-Slack-Signature"] = signature
    request = urllib.request.Request(stack.url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        status = int(error.code)
    stack.settle()
    assert status == 401
    assert stack.emulator.calls() == [] and stack.emulator.responses() == []
    assert row_counts(stack) == before


# --- every payload shape Sherpa reads, with its fields garbled -----------------------------

TEMPLATES: dict[str, dict[str, Any]] = {
    "block_actions": {"type": "block_actions", "user": {"id": MEMBER}, "trigger_id": "1.2.3",
        "channel": {"id": "D0SAM0001"}, "container": {"type": "message"},
        "actions": [{"action_id": "checkin_skip", "value": "1", "block_id": "b"}]},
    "view_submission": {"type": "view_submission", "user": {"id": MEMBER}, "view": {
        "id": "V0FUZZ", "type": "modal", "callback_id": "checkin_answer", "hash": "1",
        "private_metadata": json.dumps({"checkin_id": 1}),
        "state": {"values": {"b": {"a": {"type": "plain_text_input", "value": "x"}}}}}},
    "shortcut": {"type": "message_action", "user": {"id": MEMBER}, "trigger_id": "1.2.3",
        "callback_id": "escalate_to_sponsor", "channel": {"id": "C0ACME0001"},
        "message": {"ts": "1.2", "text": "hi"}},
    "event": {"type": "event_callback", "event_id": "Ev0FUZZ", "team_id": "T0EMULATE1",
        "event": {"type": "app_home_opened", "user": MEMBER, "tab": "home"}},
}  # fmt: skip


def _paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    return found


def _garble(document: dict[str, Any], path: tuple[str, ...], value: Any, drop: bool) -> Any:
    copy = json.loads(json.dumps(document))
    node = copy
    for key in path[:-1]:
        node = node[key]
    if drop:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return copy


@st.composite
def garbled_payloads(draw: st.DrawFn) -> dict[str, Any]:
    document = TEMPLATES[draw(st.sampled_from(sorted(TEMPLATES)))]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(_paths(document)))
        value = draw(st.one_of(junk, st.just(10**30), st.just(str(10**30))))
        document = _garble(document, path, value, draw(st.booleans()))
    return document


@EXAMPLES
@given(payload=garbled_payloads())
def test_signed_payloads_with_garbled_fields(fuzz_stack: Stack, payload: dict[str, Any]) -> None:
    """Each field of each payload kind replaced by junk or dropped: never a 5xx."""
    stack = fuzz_stack
    if payload.get("type") == "event_callback":
        body, kind = json.dumps(payload).encode(), "application/json"
    else:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        kind = "application/x-www-form-urlencoded"
    assert post_signed(stack, body, kind) < 500
    stack.settle()
    no_traceback(stack)
