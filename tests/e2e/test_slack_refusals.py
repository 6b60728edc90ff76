"""Slack's refusals end to end: a channel Sherpa is not in, and a token Slack no longer takes.

Through the signed endpoint and the emulator, which refuses as Slack does: the work waits
(nothing is failed or lost), the admins are told once what to do, and it goes out once
Slack takes it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engagement import channels
from engagement.clock import MovableClock
from engagement.models import DueWork, WorkState
from sherpa_demo.stack import Stack, running_stack
from slack_emulator import Bot
from tests.conftest import loaded_workspace
from tests.e2e.test_escalations import PATH, SAM, about, last_reply, slash, text_of
from tests.factories import ADMIN, NOW

CRITICAL = "escalate Acme Corp critical Production outage at the customer"


@pytest.fixture
def private_path(sqlite_url: str, clock: MovableClock) -> Iterator[Stack]:
    """The escalation path is a private channel Sherpa has not been invited to."""
    workspace = loaded_workspace(sqlite_url)
    for channel in workspace["channels"]:
        if f"#{channel['name']}" == PATH:
            channel["is_private"] = True
            channel["members"] = [m for m in channel["members"] if m != Bot().user_id]
    with running_stack(sqlite_url, workspace, admins=ADMIN, clock=clock) as running:
        yield running


def health(stack: Stack) -> tuple[int, dict[str, Any]]:
    url = stack.url.replace("/slack/events", "/healthz")
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def failed(stack: Stack) -> list[str]:
    with stack.runtime.sessions() as session:
        return list(session.scalars(select(DueWork.kind).where(DueWork.state == WorkState.FAILED)))


def waiting_for(stack: Stack, channel: str) -> int:
    with stack.runtime.sessions() as session:
        return channels.waiting(session, channel)


def posts_to(stack: Stack, channel: str) -> list[str]:
    """Every attempt to post to `channel`: its error, or "ok"."""
    return [
        call.error or "ok"
        for call in stack.emulator.calls("chat.postMessage")
        if call.args.get("channel") == channel
    ]


def test_a_private_path_without_sherpa_tells_the_admins_once_and_delivers_after_the_invite(
    private_path: Stack,
) -> None:
    stack = private_path
    slash(stack, SAM, CRITICAL)
    stack.tick(NOW)
    assert about(stack, PATH) == [] and posts_to(stack, PATH) == ["channel_not_found"]
    [notice] = stack.emulator.messages(ADMIN)
    told = text_of(notice)
    assert "I can't post in #exec-steering: it is private and I'm not in it" in told
    assert "Type `/invite @Sherpa` in #exec-steering, then press *Retry now*" in told
    assert "1 message waits for it; nothing is lost" in told

    for hours in (1, 2, 3):  # tried at each hourly planning run, the admins told once
        stack.tick(NOW + timedelta(hours=hours))
    assert posts_to(stack, PATH) == ["channel_not_found"] * 4
    assert len(stack.emulator.messages(ADMIN)) == 1
    assert failed(stack) == [] and waiting_for(stack, PATH) == 1

    stack.slack.block_action(SAM, "channel_retry", message=notice)
    stack.settle()
    assert last_reply(stack, SAM) == "Only Sherpa's admins can retry a channel."

    stack.emulator.invite(PATH)  # someone types /invite @Sherpa there
    stack.slack.block_action(ADMIN, "channel_retry", message=notice)
    stack.settle()
    assert last_reply(stack, ADMIN) == "Trying #exec-steering again within a minute (1 waiting)."
    stack.tick(NOW + timedelta(hours=3, minutes=1))
    [post] = about(stack, PATH)
    assert "Critical escalation ESC-1 · Acme Corp" in text_of(post)
    assert posts_to(stack, PATH)[-1] == "ok"
    assert failed(stack) == [] and waiting_for(stack, PATH) == 0
    [updated] = stack.emulator.messages(ADMIN)  # the DM stays true: nothing left to do
    assert updated["text"] == (
        "I can post in #exec-steering again, and what waited for it is going out. "
        "Nothing more to do."
    )
    assert not [block for block in updated["blocks"] if block["type"] == "actions"]


def test_a_revoked_token_stops_all_sending_at_once_and_resumes_by_itself(
    clocked_stack: Stack,
) -> None:
    stack = clocked_stack
    slash(stack, SAM, CRITICAL)  # an alert, a sponsor's DM and a path post to send
    stack.emulator.revoke_token("token_revoked")
    stack.emulator.reset_calls()
    stack.tick(NOW)
    assert [call.method for call in stack.emulator.calls()] == ["chat.postMessage"]
    status, body = health(stack)
    assert status == 503 and "slack refuses the token (token_revoked)" in body["reasons"][0]

    for minute in range(1, 6):  # each clock run: one cheap probe, nothing else
        stack.tick(NOW + timedelta(minutes=minute))
    assert [call.method for call in stack.emulator.calls()][1:] == ["auth.test"] * 5
    assert failed(stack) == []

    stack.emulator.restore_token()
    stack.tick(NOW + timedelta(minutes=6))
    assert health(stack)[0] == 200
    assert "Critical escalation ESC-1" in text_of(about(stack, PATH)[0])
    assert len(about(stack, "#acme-alliance")) == 1
    assert failed(stack) == []


def test_an_uninstall_event_stops_sending_until_a_token_works(clocked_stack: Stack) -> None:
    stack = clocked_stack
    stack.slack.event({"type": "app_uninstalled"})
    stack.settle()
    status, body = health(stack)
    assert status == 503 and "(app_uninstalled)" in body["reasons"][0]
    slash(stack, SAM, CRITICAL)
    stack.emulator.revoke_token("token_revoked")
    stack.tick(NOW)
    assert about(stack, PATH) == [] and health(stack)[0] == 503
    stack.emulator.restore_token()  # reinstalled
    stack.emulator.reset_calls()
    stack.tick(NOW + timedelta(minutes=1))
    assert stack.emulator.calls()[0].method == "auth.test"
    assert health(stack)[0] == 200 and len(about(stack, PATH)) == 1
