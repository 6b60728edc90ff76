"""The workspace model: loading, lookups, channel references and DMs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_emulator import Workspace
from tests.slack_emulator.conftest import ACME, SAM, SPONSOR, WORKSPACE


def test_loads_from_a_plain_dict_with_defaults_for_team_and_bot() -> None:
    workspace = Workspace.from_dict(WORKSPACE)
    sam = workspace.user(SAM)
    assert sam is not None and sam.real_name == "Sam Manager" and sam.tz == "America/New_York"
    assert workspace.team.id.startswith("T") and workspace.bot.user_id.startswith("U")
    bot = workspace.user(workspace.bot.user_id)
    assert bot is not None and bot.is_bot
    channel = workspace.channel(ACME)
    assert channel is not None and channel.name == "acme-alliance" and SAM in channel.members


def test_team_and_bot_can_be_named() -> None:
    workspace = Workspace.from_dict(
        {"team": {"id": "T123", "domain": "acme"}, "bot": {"user_id": "U0BOT", "name": "helper"}}
    )
    assert workspace.team.domain == "acme" and workspace.bot.name == "helper"


def test_tz_offset_is_the_offset_now() -> None:
    sponsor = Workspace.from_dict(WORKSPACE).user(SPONSOR)
    assert sponsor is not None
    expected = datetime.now(ZoneInfo("Europe/Paris")).utcoffset()
    assert expected is not None and sponsor.tz_offset() == expected.total_seconds()


def test_email_lookup_ignores_case() -> None:
    workspace = Workspace.from_dict(WORKSPACE)
    found = workspace.user_by_email("pat@example.COM")
    assert found is not None and found.id == SPONSOR
    assert workspace.user_by_email("nobody@example.com") is None


def test_channel_references_resolve_to_ids() -> None:
    workspace = Workspace.from_dict(WORKSPACE)
    assert workspace.resolve(ACME, open_dm=False) == ACME
    assert workspace.resolve("#acme-alliance", open_dm=False) == ACME
    assert workspace.resolve("acme-alliance", open_dm=False) == ACME
    assert workspace.resolve("#nowhere", open_dm=False) is None


def test_a_dm_opens_on_first_use_of_a_user_id() -> None:
    workspace = Workspace.from_dict(WORKSPACE)
    assert workspace.resolve(SAM, open_dm=False) is None
    dm = workspace.resolve(SAM, open_dm=True)
    assert dm is not None and dm.startswith("D")
    assert workspace.resolve(SAM, open_dm=False) == dm
    assert workspace.resolve(dm, open_dm=False) == dm
    assert workspace.dm_user(dm) == SAM
    assert workspace.members(dm) == (workspace.bot.user_id, SAM)
    assert workspace.channel_name(dm) == "directmessage"
    assert workspace.resolve("U0NOBODY1", open_dm=True) is None
