"""Slack's channel and token refusals, through the unmodified slack_sdk WebClient.

As Slack documents them: `chat.postMessage`, `chat.update` and `chat.postEphemeral` to a
private channel the bot is not in answer `channel_not_found` (`chat:write.public` covers
public channels only); sharing a file needs membership (`not_in_channel`); anything
posted to an archived channel answers `is_archived`; a revoked token answers
`token_revoked` to every call.
"""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from slack_emulator import Emulator
from tests.slack_emulator.conftest import SAM
from tests.slack_emulator.test_methods import error_of

PRIVATE, PUBLIC, ARCHIVED = "C0PRIVATE1", "C0PUBLIC01", "C0ARCHIVE1"

WORKSPACE: dict[str, Any] = {
    "users": [{"id": SAM, "name": "sam"}],
    "channels": [
        {"id": PRIVATE, "name": "exec-steering", "members": [SAM], "is_private": True},
        {"id": PUBLIC, "name": "digest", "members": [SAM]},
        {"id": ARCHIVED, "name": "old", "members": [SAM, "U0SHERPA00"], "is_archived": True},
    ],
}


@pytest.fixture
def emu() -> Any:
    with Emulator(WORKSPACE) as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> WebClient:
    return WebClient(token=emu.bot_token, base_url=emu.api_url, timeout=5)


def test_a_private_channel_without_the_bot_is_not_found_until_it_is_invited(
    emu: Emulator, client: WebClient
) -> None:
    assert error_of(client.chat_postMessage, channel=PRIVATE, text="x") == "channel_not_found"
    assert error_of(client.chat_postMessage, channel="#exec-steering", text="x") == (
        "channel_not_found"
    )
    assert error_of(client.chat_postEphemeral, channel=PRIVATE, user=SAM, text="x") == (
        "channel_not_found"
    )
    assert error_of(client.conversations_info, channel=PRIVATE) == "channel_not_found"
    assert emu.messages(PRIVATE) == []
    emu.invite("#exec-steering")
    posted = client.chat_postMessage(channel=PRIVATE, text="now")
    assert client.chat_update(channel=PRIVATE, ts=posted["ts"], text="again")["ok"]
    info = client.conversations_info(channel=PRIVATE)["channel"]
    assert info["is_private"] and info["is_member"]
    assert [m["text"] for m in emu.messages(PRIVATE)] == ["again"]


def test_an_update_in_a_channel_archived_since_is_refused(emu: Emulator) -> None:
    emu.invite(PRIVATE)
    client = WebClient(token=emu.bot_token, base_url=emu.api_url)
    posted = client.chat_postMessage(channel=PRIVATE, text="x")
    emu.archive(PRIVATE)  # still a member, but archived
    assert error_of(client.chat_update, channel=PRIVATE, ts=posted["ts"], text="y") == (
        "is_archived"
    )


def test_a_public_channel_takes_messages_without_membership_but_not_files(
    emu: Emulator, client: WebClient
) -> None:
    assert client.chat_postMessage(channel=PUBLIC, text="digest")["ok"]
    with pytest.raises(Exception) as failed:
        client.files_upload_v2(channel=PUBLIC, content=b"png", filename="chart.png")
    assert "not_in_channel" in str(failed.value)
    assert [f.shares for f in emu.files()] == [[]]
    emu.invite(PUBLIC)
    client.files_upload_v2(channel=PUBLIC, content=b"png", filename="chart.png")
    assert [s.channel for f in emu.files() for s in f.shares] == [PUBLIC]


def test_without_chat_write_public_a_public_channel_needs_membership() -> None:
    workspace = {**WORKSPACE, "bot": {"scopes": ["chat:write"]}}
    with Emulator(workspace) as emu:
        client = WebClient(token=emu.bot_token, base_url=emu.api_url)
        assert error_of(client.chat_postMessage, channel=PUBLIC, text="x") == "not_in_channel"


def test_an_archived_channel_takes_nothing(emu: Emulator, client: WebClient) -> None:
    assert error_of(client.chat_postMessage, channel=ARCHIVED, text="x") == "is_archived"
    assert error_of(client.chat_postEphemeral, channel=ARCHIVED, user=SAM, text="x") == (
        "is_archived"
    )
    assert client.conversations_info(channel=ARCHIVED)["channel"]["is_archived"] is True
    emu.archive(ARCHIVED, archived=False)
    assert client.chat_postMessage(channel=ARCHIVED, text="back")["ok"]


@pytest.mark.parametrize("error", ["token_revoked", "account_inactive", "invalid_auth"])
def test_a_revoked_token_is_refused_everywhere_until_restored(
    emu: Emulator, client: WebClient, error: str
) -> None:
    emu.revoke_token(error)
    assert error_of(client.auth_test) == error
    assert error_of(client.chat_postMessage, channel=SAM, text="x") == error
    emu.restore_token()
    assert client.auth_test()["ok"]
    assert client.chat_postMessage(channel=SAM, text="x")["ok"]
