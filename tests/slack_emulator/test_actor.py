"""The actor: Slack's requests toward the app, signed, shaped and followed up as Slack does."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import Ack, App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from slack_emulator import ActorResult, ApiError, Emulator
from tests.slack_emulator.conftest import ACME, SAM, SPONSOR, Received
from tests.slack_emulator.conftest import App as StandIn
from tests.slack_emulator.kit import actions, button, input_block, modal, options, section

CHECKIN = modal(
    input_block(
        "rating", {"type": "static_select", "action_id": "r", "options": options("1", "5")}
    ),
    input_block("note", {"type": "plain_text_input", "action_id": "n"}, optional=True),
    private_metadata="acct-7",
)


def form(request: Received) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.body, keep_blank_values=True).items()}


def payload(request: Received) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(form(request)["payload"])
    return body


@pytest.fixture
def dm_message(emu: Emulator, client: WebClient) -> dict[str, Any]:
    """A check-in DM with buttons and a select, as the app would post it."""
    blocks = [
        section("Your weekly check-in for *Acme*"),
        actions(button("Answer", "open", "acct-7"), button("Skip", "skip", "acct-7")),
        section("Snooze", block_id="snooze", accessory={**CHECKIN["blocks"][0]["element"]}),
    ]
    client.chat_postMessage(channel=SPONSOR, text="Check-in", blocks=blocks)
    return emu.messages(SPONSOR)[0]


# Signatures ----------------------------------------------------------------------------


def every_kind(emu: Emulator, message: dict[str, Any]) -> Iterator[Callable[[], ActorResult]]:
    actor = emu.actor
    yield lambda: actor.slash(SAM, "status acme")
    yield lambda: actor.block_action(SPONSOR, "open", "acct-7", message=message)
    yield lambda: actor.message_shortcut(SAM, "escalate", message)
    yield lambda: actor.event({"type": "app_home_opened", "user": SAM, "tab": "home"})
    yield lambda: actor.event({"type": "app_mention"}, retry_num=1, retry_reason="http_timeout")
    yield lambda: actor.url_verification()
    view = emu.store.open_modal(SPONSOR, CHECKIN)
    yield lambda: actor.block_action(SPONSOR, "r", "5", view=view)
    yield lambda: actor.submit_view(SPONSOR, view, {"rating": {"r": "1"}})


def test_every_request_is_signed_as_slack_signs(
    emu: Emulator, app: StandIn, dm_message: dict[str, Any]
) -> None:
    verifier = SignatureVerifier(emu.signing_secret)
    for send in every_kind(emu, dm_message):
        assert send().status == 200
    assert len(app.received) == 8
    for request in app.received:
        assert verifier.is_valid_request(request.body, request.headers), request.body[:80]


def test_wrong_secret_and_stale_timestamp_are_refused_by_the_verifier(
    emu: Emulator, app: StandIn
) -> None:
    verifier = SignatureVerifier(emu.signing_secret)
    emu.actor.with_signature(secret="not-the-secret").slash(SAM, "help")
    emu.actor.with_signature(timestamp=int(time.time()) - 360).slash(SAM, "help")
    emu.actor.with_signature(timestamp=int(time.time()) - 60).slash(SAM, "help")
    assert [verifier.is_valid_request(r.body, r.headers) for r in app.received] == [
        False,
        False,
        True,
    ]


# Shapes --------------------------------------------------------------------------------


def test_slash_command_form(emu: Emulator, app: StandIn) -> None:
    result = emu.actor.slash(SAM, "escalate acme high Renewal at risk", channel_id=ACME)
    fields = form(app.received[0])
    assert app.received[0].headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert (
        fields["command"] == "/sponsor" and fields["text"] == "escalate acme high Renewal at risk"
    )
    assert (fields["user_id"], fields["user_name"], fields["channel_id"]) == (SAM, "sam", ACME)
    assert fields["channel_name"] == "acme-alliance" and fields["team_id"] == emu.workspace.team.id
    assert fields["response_url"].startswith(f"{emu.url}response/") and fields["trigger_id"]
    assert result.sent == fields


def test_slash_command_defaults_to_the_users_dm(emu: Emulator, app: StandIn) -> None:
    emu.actor.slash(SAM)
    fields = form(app.received[0])
    assert fields["channel_id"] == emu.workspace.dm(SAM, create=False)
    assert fields["channel_name"] == "directmessage" and fields["text"] == ""


def test_block_action_on_a_message(emu: Emulator, app: StandIn, dm_message: dict[str, Any]) -> None:
    emu.actor.block_action(SPONSOR, "skip", "acct-7", message=dm_message)
    sent = payload(app.received[0])
    assert sent["type"] == "block_actions" and sent["user"]["id"] == SPONSOR
    [action] = sent["actions"]
    assert (action["type"], action["action_id"], action["value"]) == ("button", "skip", "acct-7")
    assert action["block_id"] == "actions" and action["text"]["text"] == "Skip"
    assert sent["container"] == {
        "type": "message",
        "message_ts": dm_message["ts"],
        "channel_id": dm_message["channel"],
        "is_ephemeral": False,
    }
    assert (
        sent["channel"]["id"] == dm_message["channel"] and sent["message"]["ts"] == dm_message["ts"]
    )
    assert "channel" not in sent["message"] and sent["response_url"] and sent["trigger_id"]


def test_a_button_sends_its_own_value_unless_forged(
    emu: Emulator, app: StandIn, dm_message: dict[str, Any]
) -> None:
    emu.actor.block_action(SPONSOR, "open", message=dm_message)
    emu.actor.block_action(SPONSOR, "open", "acct-999", message=dm_message)
    values = [payload(r)["actions"][0]["value"] for r in app.received]
    assert values == ["acct-7", "acct-999"]


def test_select_action_sends_the_whole_option(
    emu: Emulator, app: StandIn, dm_message: dict[str, Any]
) -> None:
    emu.actor.block_action(SPONSOR, "r", "5", message=dm_message)
    [action] = payload(app.received[0])["actions"]
    assert action["type"] == "static_select" and action["selected_option"]["value"] == "5"
    state = payload(app.received[0])["state"]["values"]
    assert state["snooze"]["r"]["selected_option"]["value"] == "5"


def test_block_action_needs_exactly_one_source(
    emu: Emulator, app: StandIn, dm_message: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        emu.actor.block_action(SPONSOR, "skip", "x")
    with pytest.raises(ValueError):
        emu.actor.block_action(SPONSOR, "nope", "x", message=dm_message)


def test_block_action_on_an_ephemeral_omits_the_message(
    emu: Emulator, app: StandIn, client: WebClient
) -> None:
    client.chat_postEphemeral(channel=ACME, user=SAM, text="x", blocks=[actions(button("Ok"))])
    [ephemeral] = emu.ephemerals(SAM)
    emu.actor.block_action(SAM, "go", message=ephemeral)
    sent = payload(app.received[0])
    assert sent["container"]["is_ephemeral"] is True and "message" not in sent


def test_view_submission_has_slacks_state_shape(emu: Emulator, app: StandIn) -> None:
    view = emu.store.open_modal(SPONSOR, CHECKIN)
    emu.actor.submit_view(SPONSOR, view, {"rating": {"r": "5"}, "note": {"n": "Met the CFO"}})
    sent = payload(app.received[0])
    assert sent["type"] == "view_submission" and sent["trigger_id"]
    assert sent["view"]["id"] == view["id"] and sent["view"]["callback_id"] == "checkin"
    assert sent["view"]["private_metadata"] == "acct-7" and sent["view"]["hash"] == view["hash"]
    assert sent["view"]["state"]["values"] == {
        "rating": {
            "r": {
                "type": "static_select",
                "selected_option": {"text": {"type": "plain_text", "text": "5"}, "value": "5"},
            }
        },
        "note": {"n": {"type": "plain_text_input", "value": "Met the CFO"}},
    }


def test_message_shortcut_payload(emu: Emulator, app: StandIn, client: WebClient) -> None:
    client.chat_postMessage(channel=ACME, text="Customer is unhappy about the rollout")
    [message] = emu.messages(ACME)
    emu.actor.message_shortcut(SAM, "escalate_to_sponsor", message)
    sent = payload(app.received[0])
    assert sent["type"] == "message_action" and sent["callback_id"] == "escalate_to_sponsor"
    assert sent["message"]["text"] == message["text"] and sent["message_ts"] == message["ts"]
    assert sent["channel"] == {"id": ACME, "name": "acme-alliance"} and sent["trigger_id"]
    customers = {"type": "message", "user": SAM, "ts": "1700000000.000100", "text": "Help"}
    emu.actor.message_shortcut(SAM, "escalate_to_sponsor", customers, channel=ACME)
    assert payload(app.received[1])["message"] == customers


def test_events_have_unique_ids_and_retries_reuse_them(emu: Emulator, app: StandIn) -> None:
    event = {"type": "app_home_opened", "user": SAM, "tab": "home"}
    first = emu.actor.event(event)
    second = emu.actor.event(event)
    retry = emu.actor.event(
        event, retry_num=1, retry_reason="http_timeout", event_id=first.sent["event_id"]
    )
    envelopes = [json.loads(r.body) for r in app.received]
    assert [e["type"] for e in envelopes] == ["event_callback"] * 3
    assert envelopes[0]["event"] == event and envelopes[0]["team_id"] == emu.workspace.team.id
    assert first.sent["event_id"] != second.sent["event_id"]
    assert retry.sent["event_id"] == first.sent["event_id"]
    assert "X-Slack-Retry-Num" not in app.received[0].headers
    assert app.received[2].headers["X-Slack-Retry-Num"] == "1"
    assert app.received[2].headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert app.received[0].headers["Content-Type"] == "application/json"


def test_url_verification_and_the_result_object(emu: Emulator, app: StandIn) -> None:
    app.handler = lambda request: (
        200,
        json.dumps({"challenge": json.loads(request.body)["challenge"]}),
    )
    result = emu.actor.url_verification("abc")
    assert result.status == 200 and result.json == {"challenge": "abc"}
    assert (
        result.text == '{"challenge": "abc"}'
        and result.headers["Content-Type"] == "application/json"
    )
    app.handler = lambda request: (401, "invalid signature")
    refused = emu.actor.slash(SAM)
    assert (refused.status, refused.text, refused.json) == (401, "invalid signature", None)


def test_acting_needs_an_app_url(emu: Emulator) -> None:
    with pytest.raises(RuntimeError):
        emu.actor.slash(SAM)


# What follows an interaction -----------------------------------------------------------


def test_an_interactions_trigger_opens_one_modal_for_that_user(
    emu: Emulator, app: StandIn, client: WebClient
) -> None:
    trigger = emu.actor.slash(SAM, "escalate").sent["trigger_id"]
    view = client.views_open(trigger_id=trigger, view=CHECKIN)["view"]
    assert emu.open_views(SAM) == [view] and emu.open_views(SPONSOR) == []


def test_a_slash_commands_response_url_posts_ephemerally(emu: Emulator, app: StandIn) -> None:
    response_url = emu.actor.slash(SAM, "status", channel_id=ACME).sent["response_url"]
    WebhookClient(response_url).send(text="Acme: 83 (green)")
    assert [m["text"] for m in emu.ephemerals(SAM)] == ["Acme: 83 (green)"]
    assert emu.ephemerals(SAM)[0]["channel"] == ACME


def test_a_slash_commands_ack_with_content_is_shown_like_a_response(
    emu: Emulator, app: StandIn
) -> None:
    app.handler = lambda _request: (200, "Plain text is ephemeral")
    emu.actor.slash(SAM, "help", channel_id=ACME)
    app.answer_json({"text": "Acme: 83 (green)", "response_type": "in_channel"})
    emu.actor.slash(SAM, "status acme", channel_id=ACME)
    app.handler = lambda _request: (200, "")
    emu.actor.slash(SAM, "status acme", channel_id=ACME)  # an empty ack shows nothing
    assert [m["text"] for m in emu.ephemerals(SAM)] == ["Plain text is ephemeral"]
    assert [m["text"] for m in emu.messages(ACME)] == ["Acme: 83 (green)"]
    assert [(r.via, r.effect) for r in emu.responses(SAM)] == [
        ("ack", "ephemeral"),
        ("ack", "in_channel"),
    ]


def test_a_buttons_ack_content_is_ignored_as_slack_ignores_it(
    emu: Emulator, app: StandIn, dm_message: dict[str, Any]
) -> None:
    app.answer_json({"text": "Nobody sees this"})
    emu.actor.block_action(SPONSOR, "skip", message=dm_message)
    assert emu.responses() == [] and emu.ephemerals(SPONSOR) == []


@pytest.mark.parametrize(
    ("answer", "left_open"),
    [
        ({"response_action": "errors", "errors": {"note": "Required"}}, ["bottom", "top"]),
        ({}, ["bottom"]),
        ({"response_action": "clear"}, []),
        (
            {"response_action": "update", "view": modal(section("Thanks"), callback_id="top2")},
            ["bottom", "top2"],
        ),
        (
            {"response_action": "push", "view": modal(section("More"), callback_id="third")},
            ["bottom", "top", "third"],
        ),
    ],
)
def test_the_apps_answer_to_a_submission_moves_the_modal_stack(
    emu: Emulator, app: StandIn, answer: dict[str, Any], left_open: list[str]
) -> None:
    emu.store.open_modal(SPONSOR, modal(section("x"), callback_id="bottom"))
    top = emu.store.push_modal(SPONSOR, modal(section("y"), callback_id="top"))
    if answer:
        app.answer_json(answer)
    emu.actor.submit_view(SPONSOR, top, {})
    assert [v["callback_id"] for v in emu.open_views(SPONSOR)] == left_open


def test_an_invalid_view_in_the_apps_answer_fails_loudly(emu: Emulator, app: StandIn) -> None:
    view = emu.store.open_modal(SPONSOR, CHECKIN)
    app.answer_json(
        {"response_action": "update", "view": modal(title={"type": "plain_text", "text": "x" * 30})}
    )
    with pytest.raises(ApiError, match="invalid_arguments"):
        emu.actor.submit_view(SPONSOR, view, {"rating": {"r": "1"}})


# A real Bolt app behind the stand-in endpoint ------------------------------------------


def test_a_bolt_app_round_trip(emu: Emulator, app: StandIn) -> None:
    """Bolt verifies the actor's signatures, opens a modal with the trigger, validates it."""
    bolt = App(
        signing_secret=emu.signing_secret,
        client=WebClient(token=emu.bot_token, base_url=emu.api_url),
        process_before_response=True,
    )

    @bolt.command("/sponsor")
    def sponsor(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=CHECKIN)

    @bolt.view("checkin")
    def submitted(ack: Ack, view: dict[str, Any]) -> None:
        if not view["state"]["values"]["note"]["n"]["value"]:
            ack(response_action="errors", errors={"note": "Tell us one thing"})
        else:
            ack()

    def dispatch(request: Received) -> tuple[int, str]:
        headers: dict[str, str | Sequence[str]] = dict(request.headers)
        response = bolt.dispatch(BoltRequest(body=request.body, headers=headers))
        return response.status, response.body

    app.handler = dispatch
    assert emu.actor.slash(SPONSOR, "checkin acme").status == 200
    [view] = emu.open_views(SPONSOR)
    refused = emu.actor.submit_view(SPONSOR, view, {"rating": {"r": "5"}})
    assert refused.json == {"response_action": "errors", "errors": {"note": "Tell us one thing"}}
    assert len(emu.open_views(SPONSOR)) == 1
    assert (
        emu.actor.submit_view(SPONSOR, view, {"rating": {"r": "5"}, "note": {"n": "ok"}}).status
        == 200
    )
    assert emu.open_views(SPONSOR) == []
    assert emu.actor.with_signature(secret="forged").slash(SPONSOR, "checkin").status == 401
    assert [c.method for c in emu.calls()] == ["auth.test", "views.open"]
