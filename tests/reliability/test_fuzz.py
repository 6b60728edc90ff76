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

from bot import handlers
from bot.demo.stack import Stack
from bot.emulator.actor import sign
from bot.slash import grammar
from engagement.access import account_names
from engagement.errors import Invalid
from engagement.models import Base
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
    action_id=st.one_of(st.sampled_from(sorted(handlers.actions())), st.text(max_size=20)),
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
    callback_id=st.one_of(st.sampled_from(sorted(handlers.views())), st.text(max_size=20)),
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
