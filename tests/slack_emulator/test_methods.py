"""Every Web API method through the unmodified slack_sdk WebClient: answers and errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from slack_emulator import Emulator
from tests.slack_emulator.conftest import ACME, OUTSIDER, SAM, SPONSOR, FakeClock
from tests.slack_emulator.kit import actions, button, header, modal, section, select

# slack_sdk warns when a message has no text; some tests send none on purpose.
no_text_warning = pytest.mark.filterwarnings("ignore:The top-level `text`:UserWarning")

SECTION = section("Acme is *green*")
MODAL = modal(SECTION)


def refusal(method: Callable[..., SlackResponse], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The body of the Slack error that ``method(*args, **kwargs)`` gets."""
    with pytest.raises(SlackApiError) as failed:
        method(*args, **kwargs)
    data: dict[str, Any] = failed.value.response.data
    return data


def error_of(method: Callable[..., SlackResponse], *args: Any, **kwargs: Any) -> str:
    return str(refusal(method, *args, **kwargs)["error"])


# auth.test and tokens ------------------------------------------------------------------


def test_auth_test_names_the_bot_and_team(emu: Emulator, client: WebClient) -> None:
    answer = client.auth_test()
    bot, team = emu.workspace.bot, emu.workspace.team
    assert answer["user_id"] == bot.user_id and answer["bot_id"] == bot.bot_id
    assert answer["team_id"] == team.id and answer["url"] == f"https://{team.domain}.slack.com/"


def test_a_wrong_token_is_invalid_auth_and_none_is_not_authed(emu: Emulator) -> None:
    wrong = WebClient(token="xoxb-wrong", base_url=emu.api_url)
    assert error_of(wrong.chat_postMessage, channel=ACME, text="x") == "invalid_auth"
    anonymous = WebClient(base_url=emu.api_url)
    assert error_of(anonymous.auth_test) == "not_authed"
    assert emu.messages(ACME) == []


def test_an_unknown_method_is_unknown_method(client: WebClient) -> None:
    assert error_of(client.api_call, "chat.scheduleMessage") == "unknown_method"


# chat.postMessage ----------------------------------------------------------------------


def test_post_message_returns_channel_ts_and_the_message(emu: Emulator, client: WebClient) -> None:
    answer = client.chat_postMessage(channel=ACME, text="Acme update", blocks=[SECTION])
    assert answer["channel"] == ACME
    message = answer["message"]
    assert message["ts"] == answer["ts"] and message["text"] == "Acme update"
    assert message["bot_id"] == emu.workspace.bot.bot_id and message["type"] == "message"
    assert message["blocks"][0]["block_id"]  # Slack fills in block ids
    stored = emu.messages(ACME)
    assert [m["ts"] for m in stored] == [answer["ts"]] and stored[0]["channel"] == ACME


def test_post_message_by_channel_name(emu: Emulator, client: WebClient) -> None:
    assert client.chat_postMessage(channel="#acme-alliance", text="hi")["channel"] == ACME
    assert len(emu.messages("#acme-alliance")) == 1


def test_post_message_to_a_user_id_opens_a_dm(emu: Emulator, client: WebClient) -> None:
    first = client.chat_postMessage(channel=SPONSOR, text="Your weekly check-in")
    second = client.chat_postMessage(channel=SPONSOR, text="Reminder")
    assert first["channel"].startswith("D") and second["channel"] == first["channel"]
    assert [m["text"] for m in emu.messages(SPONSOR)] == ["Your weekly check-in", "Reminder"]
    assert emu.messages(first["channel"]) == emu.messages(SPONSOR)


def test_thread_replies_update_the_parent(emu: Emulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=ACME, text="Digest")
    reply = client.chat_postMessage(channel=ACME, text="more", thread_ts=parent["ts"])
    assert reply["message"]["thread_ts"] == parent["ts"]
    stored_parent = emu.messages(ACME)[0]
    assert stored_parent["reply_count"] == 1 and stored_parent["latest_reply"] == reply["ts"]
    assert [m["text"] for m in emu.messages(ACME, thread_ts=parent["ts"])] == ["Digest", "more"]


def test_timestamps_are_unique_and_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel=ACME, text=str(i))["ts"] for i in range(20)]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 20


@no_text_warning
@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"channel": "#nowhere", "text": "x"}, "channel_not_found"),
        ({"channel": "U0NOBODY1", "text": "x"}, "channel_not_found"),
        ({"channel": ACME}, "no_text"),
        ({"channel": ACME, "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": ACME, "text": "x", "blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
        ({"channel": ACME, "text": "x", "blocks": [section("x" * 3001)]}, "invalid_blocks"),
        ({"channel": ACME, "text": "x", "blocks": [header("x" * 151)]}, "invalid_blocks"),
        ({"channel": ACME, "text": "x", "blocks": [actions(button("x" * 76))]}, "invalid_blocks"),
        ({"channel": ACME, "text": "x", "blocks": [actions(select(101))]}, "invalid_blocks"),
        ({"channel": ACME, "text": "x", "blocks": [{"text": "no type"}]}, "invalid_blocks"),
    ],
)
def test_post_message_refusals(
    emu: Emulator, client: WebClient, args: dict[str, Any], error: str
) -> None:
    assert error_of(client.chat_postMessage, **args) == error
    assert emu.messages(ACME) == []


def test_invalid_blocks_name_the_field(client: WebClient) -> None:
    body = refusal(
        client.chat_postMessage,
        channel=ACME,
        text="x",
        blocks=[SECTION, {"type": "divider"}, {"type": "header"}],
    )
    assert body["errors"] == ["missing required field: text [json-pointer:/blocks/2]"]
    assert body["response_metadata"]["messages"] == [
        "[ERROR] missing required field: text [json-pointer:/blocks/2]"
    ]


def test_a_missing_channel_is_invalid_arguments(client: WebClient) -> None:
    body = refusal(client.api_call, "chat.postMessage", json={"text": "x"})
    assert body["error"] == "invalid_arguments"
    assert body["response_metadata"]["messages"] == ["[ERROR] missing required field: channel"]


# chat.update ---------------------------------------------------------------------------


def test_update_changes_the_stored_message_in_a_dm(emu: Emulator, client: WebClient) -> None:
    posted = client.chat_postMessage(channel=SAM, text="Check-in due", blocks=[SECTION])
    updated = client.chat_update(channel=posted["channel"], ts=posted["ts"], text="Recorded ✔")
    assert updated["channel"] == posted["channel"] and updated["ts"] == posted["ts"]
    assert updated["text"] == "Recorded ✔"
    [stored] = emu.messages(SAM)
    assert stored["text"] == "Recorded ✔" and "edited" in stored
    assert stored["blocks"][0]["text"] == SECTION["text"]  # blocks not given are kept
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="plain", blocks=[])
    assert emu.messages(SAM)[0]["blocks"] == []


def test_update_refusals(client: WebClient) -> None:
    posted = client.chat_postMessage(channel=SAM, text="x")
    dm, ts = posted["channel"], posted["ts"]
    assert error_of(client.chat_update, channel=dm, ts="1.000001", text="y") == (
        "message_not_found"
    )
    # chat.update wants the D… id; a user id is not a channel
    assert error_of(client.chat_update, channel=SAM, ts=ts, text="y") == ("channel_not_found")
    assert error_of(client.chat_update, channel=dm, ts=ts, text="x" * 40_001) == ("msg_too_long")
    many = [{"type": "divider"}] * 51
    assert error_of(client.chat_update, channel=dm, ts=ts, text="y", blocks=many) == (
        "invalid_blocks"
    )


# chat.postEphemeral --------------------------------------------------------------------


def test_post_ephemeral_is_seen_by_that_user_only(emu: Emulator, client: WebClient) -> None:
    answer = client.chat_postEphemeral(channel=ACME, user=SAM, text="Only you", blocks=[SECTION])
    [seen] = emu.ephemerals(SAM)
    assert seen["ts"] == answer["message_ts"] and seen["text"] == "Only you"
    assert seen["channel"] == ACME
    assert emu.ephemerals(SPONSOR) == [] and emu.messages(ACME) == []


@no_text_warning
def test_post_ephemeral_refusals(client: WebClient) -> None:
    assert error_of(client.chat_postEphemeral, channel=ACME, user=OUTSIDER, text="x") == (
        "user_not_in_channel"
    )
    assert error_of(client.chat_postEphemeral, channel=ACME, user="U0NOBODY1", text="x") == (
        "user_not_found"
    )
    assert error_of(client.chat_postEphemeral, channel="#nope", user=SAM, text="x") == (
        "channel_not_found"
    )
    assert error_of(client.chat_postEphemeral, channel=ACME, user=SAM, text="") == ("no_text")


# chat.getPermalink ---------------------------------------------------------------------


def test_permalinks_point_at_the_message_and_its_thread(emu: Emulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=ACME, text="p")
    reply = client.chat_postMessage(channel=ACME, text="r", thread_ts=parent["ts"])
    domain = emu.workspace.team.domain
    link = client.chat_getPermalink(channel=ACME, message_ts=parent["ts"])["permalink"]
    assert link == f"https://{domain}.slack.com/archives/{ACME}/p{parent['ts'].replace('.', '')}"
    threaded = client.chat_getPermalink(channel=ACME, message_ts=reply["ts"])["permalink"]
    assert threaded.endswith(f"?thread_ts={parent['ts']}&cid={ACME}")


def test_permalink_refusals(client: WebClient) -> None:
    assert error_of(client.chat_getPermalink, channel=ACME, message_ts="1.000001") == (
        "message_not_found"
    )
    assert error_of(client.chat_getPermalink, channel="C0NOPE", message_ts="1.1") == (
        "channel_not_found"
    )


# views.* -------------------------------------------------------------------------------


def test_views_open_needs_a_fresh_unused_trigger(
    emu: Emulator, client: WebClient, clock: FakeClock
) -> None:
    trigger = emu.triggers.mint(SAM)
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "checkin"
    assert view["state"] == {"values": {}} and view["hash"] and view["root_view_id"] == view["id"]
    assert [v["id"] for v in emu.open_views(SAM)] == [view["id"]]
    assert error_of(client.views_open, trigger_id=trigger, view=MODAL) == ("exchanged_trigger_id")
    late = emu.triggers.mint(SAM)
    clock.advance(3.01)
    assert error_of(client.views_open, trigger_id=late, view=MODAL) == "expired_trigger_id"
    assert error_of(client.views_open, trigger_id="1.2.3", view=MODAL) == ("invalid_trigger_id")


def test_views_open_checks_the_view_before_using_the_trigger(
    emu: Emulator, client: WebClient
) -> None:
    trigger = emu.triggers.mint(SAM)
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    body = refusal(client.views_open, trigger_id=trigger, view=long_title)
    assert body["error"] == "invalid_arguments"
    assert body["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    too_many = {**MODAL, "blocks": [{"type": "divider"}] * 101}
    assert error_of(client.views_open, trigger_id=trigger, view=too_many) == ("invalid_arguments")
    assert client.views_open(trigger_id=trigger, view=MODAL)["ok"]


def test_views_push_and_update(emu: Emulator, client: WebClient) -> None:
    first = client.views_open(trigger_id=emu.triggers.mint(SAM), view=MODAL)["view"]
    second = client.views_push(trigger_id=emu.triggers.mint(SAM), view=MODAL)["view"]
    assert second["previous_view_id"] == first["id"] and second["root_view_id"] == first["id"]
    changed = {**MODAL, "blocks": [{"type": "divider"}]}
    updated = client.views_update(view_id=first["id"], hash=first["hash"], view=changed)["view"]
    assert updated["id"] == first["id"] and updated["hash"] != first["hash"]
    assert [v["blocks"][0]["type"] for v in emu.open_views(SAM)] == ["divider", "section"]
    assert (
        error_of(client.views_update, view_id=first["id"], hash=first["hash"], view=MODAL)
        == "hash_conflict"
    )
    assert error_of(client.views_update, view_id="V0NOPE", view=MODAL) == "not_found"
    client.views_push(trigger_id=emu.triggers.mint(SAM), view=MODAL)
    assert error_of(client.views_push, trigger_id=emu.triggers.mint(SAM), view=MODAL) == (
        "push_limit_reached"
    )


def test_views_update_by_external_id(emu: Emulator, client: WebClient) -> None:
    view = {**MODAL, "external_id": "checkin-42"}
    client.views_open(trigger_id=emu.triggers.mint(SAM), view=view)
    client.views_update(external_id="checkin-42", view={**view, "blocks": []})
    assert emu.open_views(SAM)[0]["blocks"] == []


def test_views_publish_sets_each_users_home(emu: Emulator, client: WebClient) -> None:
    home = {"type": "home", "blocks": [SECTION]}
    published = client.views_publish(user_id=SAM, view=home)["view"]
    assert published["type"] == "home" and emu.home(SAM) == published
    assert emu.home(SPONSOR) is None
    again = client.views_publish(
        user_id=SAM, view={"type": "home", "blocks": []}, hash=published["hash"]
    )["view"]
    assert again["id"] == published["id"] and emu.home(SAM) == again
    assert (
        error_of(client.views_publish, user_id=SAM, view=home, hash=published["hash"])
        == "hash_conflict"
    )
    assert error_of(client.views_publish, user_id="U0NOBODY1", view=home) == ("invalid_arguments")
    assert error_of(client.views_publish, user_id=SAM, view=MODAL) == "invalid_arguments"
    over = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    assert error_of(client.views_publish, user_id=SAM, view=over) == "invalid_arguments"


# users.* and conversations.info --------------------------------------------------------


def test_users_info_has_time_zone_and_profile(emu: Emulator, client: WebClient) -> None:
    user = client.users_info(user=SPONSOR)["user"]
    assert user["id"] == SPONSOR and user["real_name"] == "Pat Sponsor"
    assert user["tz"] == "Europe/Paris" and user["tz_offset"] in (3600, 7200)
    assert user["profile"]["email"] == "Pat@Example.com" and user["is_bot"] is False
    assert error_of(client.users_info, user="U0NOBODY1") == "user_not_found"


def test_users_lookup_by_email(client: WebClient) -> None:
    assert client.users_lookupByEmail(email="sam@example.com")["user"]["id"] == SAM
    assert error_of(client.users_lookupByEmail, email="no@example.com") == ("users_not_found")


def test_conversations_info_for_channels_and_dms(client: WebClient) -> None:
    channel = client.conversations_info(channel=ACME, include_num_members=True)["channel"]
    assert channel["name"] == "acme-alliance" and channel["is_channel"] and channel["is_member"]
    assert channel["num_members"] == 3
    dm = client.chat_postMessage(channel=SAM, text="hi")["channel"]
    im = client.conversations_info(channel=dm)["channel"]
    assert im["is_im"] and im["user"] == SAM
    assert error_of(client.conversations_info, channel="C0NOPE") == "channel_not_found"


# files (upload v2) ---------------------------------------------------------------------


def test_files_upload_v2_stores_bytes_and_shares_into_the_thread(
    emu: Emulator, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel=ACME, text="Weekly digest")
    png = b"\x89PNG\r\n\x1a\n-chart-"
    answer = client.files_upload_v2(
        channel=ACME,
        thread_ts=parent["ts"],
        content=png,
        filename="chart.png",
        title="Trend",
        initial_comment="12-week trend",
    )
    file = answer["file"]
    assert file["name"] == "chart.png" and file["title"] == "Trend" and file["size"] == len(png)
    assert file["mimetype"] == "image/png"
    [stored] = emu.files()
    assert stored.content == png and stored.id == file["id"]
    [share] = stored.shares
    assert share.channel == ACME and share.thread_ts == parent["ts"]
    thread = emu.messages(ACME, thread_ts=parent["ts"])
    assert [m["text"] for m in thread] == ["Weekly digest", "12-week trend"]
    assert thread[1]["files"][0]["id"] == file["id"] and thread[1]["ts"] == share.ts
    assert file["shares"]["public"][ACME][0]["thread_ts"] == parent["ts"]


def test_upload_steps_and_their_refusals(emu: Emulator, client: WebClient) -> None:
    assert (
        error_of(client.api_call, "files.getUploadURLExternal", params={"filename": "a.txt"})
        == "invalid_arguments"
    )
    ticket = client.files_getUploadURLExternal(filename="a.txt", length=3)
    assert ticket["upload_url"].startswith(emu.url) and ticket["file_id"].startswith("F")
    files = [{"id": ticket["file_id"], "title": "A"}]
    # not uploaded yet
    assert error_of(client.files_completeUploadExternal, files=files) == "file_not_found"
    assert (
        error_of(client.files_completeUploadExternal, files=[{"id": "F0NOPE"}], channel_id=ACME)
        == "file_not_found"
    )
    assert (
        error_of(client.files_completeUploadExternal, files=files, channel_id="#nope")
        == "channel_not_found"
    )
    not_a_list = {"files": "not json"}
    assert (
        error_of(client.api_call, "files.completeUploadExternal", params=not_a_list)
        == "invalid_arguments"
    )


def test_an_images_alt_text_is_kept_and_refused_over_slacks_limit(
    emu: Emulator, client: WebClient
) -> None:
    described = "Heat map: 3 open risks, 1 high"
    answer = client.files_upload_v2(
        channel=ACME, content=b"\x89PNG", filename="map.png", alt_txt=described
    )
    assert answer["file"]["alt_txt"] == described
    assert emu.messages(ACME)[0]["files"][0]["alt_txt"] == described
    too_long = {"filename": "map.png", "length": 4, "alt_txt": "x" * 1001}
    assert (
        error_of(client.api_call, "files.getUploadURLExternal", params=too_long)
        == "alt_txt_too_large"
    )
    assert client.files_getUploadURLExternal(filename="map.png", length=4, alt_txt="x" * 1000)


def test_upload_into_a_dm_by_user_id(emu: Emulator, client: WebClient) -> None:
    answer = client.files_upload_v2(channel=SAM, content="notes", filename="notes.txt")
    assert answer["file"]["ims"] == [emu.workspace.dm(SAM, create=False)]
    assert emu.messages(SAM)[0]["files"][0]["name"] == "notes.txt"
