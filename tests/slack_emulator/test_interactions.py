"""Trigger ids (3 seconds, once) and response URLs (recorded, applied as Slack applies them)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from slack_emulator import ApiError, Emulator
from slack_emulator.ids import Ids
from slack_emulator.interactions import ResponseTarget, Triggers
from tests.slack_emulator.conftest import ACME, SAM, FakeClock
from tests.slack_emulator.kit import section


def refusal_of(triggers: Triggers, trigger_id: str) -> str:
    with pytest.raises(ApiError) as refused:
        triggers.exchange(trigger_id)
    return refused.value.error


def test_a_trigger_opens_one_view_within_three_seconds(clock: FakeClock) -> None:
    triggers = Triggers(Ids(), clock)
    fresh = triggers.mint(SAM)
    clock.advance(3.0)
    assert triggers.exchange(fresh) == SAM
    assert refusal_of(triggers, fresh) == "exchanged_trigger_id"
    stale = triggers.mint(SAM)
    clock.advance(3.001)
    assert refusal_of(triggers, stale) == "expired_trigger_id"
    assert refusal_of(triggers, "12345.98765.abcdef") == "invalid_trigger_id"


def response_url(emu: Emulator, target: ResponseTarget) -> WebhookClient:
    """What Bolt's ``respond`` uses: slack_sdk's WebhookClient on the response URL."""
    return WebhookClient(f"{emu.url}response/{emu.response_urls.register(target)}")


def test_ephemeral_by_default_and_in_channel_on_request(emu: Emulator) -> None:
    respond = response_url(emu, ResponseTarget(SAM, ACME))
    assert respond.send(text="Only you see this").status_code == 200
    assert respond.send(text="Everyone sees this", response_type="in_channel").status_code == 200
    assert [m["text"] for m in emu.ephemerals(SAM)] == ["Only you see this"]
    assert [m["text"] for m in emu.messages(ACME)] == ["Everyone sees this"]
    assert [p.effect for p in emu.responses(SAM)] == ["ephemeral", "in_channel"]
    assert emu.responses(SAM)[1].body["response_type"] == "in_channel"


def test_replace_and_delete_the_original_message(emu: Emulator, client: WebClient) -> None:
    original = client.chat_postMessage(channel=ACME, text="Escalation: Acme", blocks=[section("x")])
    respond = response_url(emu, ResponseTarget(SAM, ACME, original["ts"]))
    respond.send(text="Acknowledged by Pat", replace_original=True)
    [message] = emu.messages(ACME)
    assert message["ts"] == original["ts"] and message["text"] == "Acknowledged by Pat"
    respond.send(delete_original=True)
    assert emu.messages(ACME) == []
    assert [p.effect for p in emu.responses()] == ["replace_original", "delete_original"]


def test_replace_and_delete_an_ephemeral_original(emu: Emulator, client: WebClient) -> None:
    ts = client.chat_postEphemeral(channel=ACME, user=SAM, text="Pick an account")["message_ts"]
    respond = response_url(emu, ResponseTarget(SAM, ACME, ts, is_ephemeral=True))
    respond.send(text="Done", replace_original=True)
    assert [m["text"] for m in emu.ephemerals(SAM)] == ["Done"]
    respond.send(delete_original=True)
    assert emu.ephemerals(SAM) == []


def test_refused_and_unknown_response_posts(emu: Emulator) -> None:
    respond = response_url(emu, ResponseTarget(SAM, ACME))
    too_many = respond.send(text="x", blocks=[{"type": "divider"}] * 51)
    assert too_many.status_code == 400 and "invalid_blocks" in too_many.body
    assert emu.responses()[0].error == "invalid_blocks" and emu.ephemerals(SAM) == []
    assert WebhookClient(f"{emu.url}response/R0NOPE").send(text="x").status_code == 404
