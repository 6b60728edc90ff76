"""Profiles as Slack has them: a status in `users.info`, and `user_change` when it changes;
a DM written to the app arrives as `message.im`."""

from __future__ import annotations

import json

from slack_sdk import WebClient

from slack_emulator import Emulator
from tests.slack_emulator.conftest import SAM, SPONSOR, App


def test_users_info_carries_the_status_and_its_expiry(emu: Emulator, client: WebClient) -> None:
    profile = client.users_info(user=SAM)["user"]["profile"]
    assert (profile["status_emoji"], profile["status_text"], profile["status_expiration"]) == (
        "",
        "",
        0,
    )
    emu.workspace.change_user(SAM, status_emoji=":palm_tree:", status_text="Vacationing",
                              status_expiration=1_790_000_000)  # fmt: skip
    profile = client.users_info(user=SAM)["user"]["profile"]
    assert profile["status_emoji"] == ":palm_tree:" and profile["status_text"] == "Vacationing"
    assert profile["status_expiration"] == 1_790_000_000
    assert client.users_info(user=SPONSOR)["user"]["profile"]["status_emoji"] == ""


def test_a_profile_change_is_told_to_the_app_with_the_whole_user(
    emu: Emulator, client: WebClient, app: App
) -> None:
    result = emu.actor.user_change(SAM, tz="Asia/Tokyo", status_emoji=":airplane:")
    assert result.status == 200
    [request] = app.received
    envelope = json.loads(request.body)
    assert envelope["type"] == "event_callback" and envelope["event"]["type"] == "user_change"
    user = envelope["event"]["user"]
    assert user["id"] == SAM and user["tz"] == "Asia/Tokyo"
    assert user["profile"]["status_emoji"] == ":airplane:"
    assert user == client.users_info(user=SAM)["user"] | {"tz_offset": user["tz_offset"]}


def test_a_dm_to_the_app_is_a_message_im_event(emu: Emulator, app: App) -> None:
    emu.actor.direct_message(SAM, "hello?")
    event = json.loads(app.received[0].body)["event"]
    assert (event["type"], event["channel_type"], event["user"]) == ("message", "im", SAM)
    assert event["channel"] == emu.workspace.dm(SAM, create=False) and event["text"] == "hello?"
