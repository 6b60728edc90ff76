"""The emulator shows message text as Slack does: people and channels by name."""

from __future__ import annotations

from slack_sdk import WebClient

from slack_emulator import Emulator
from tests.slack_emulator.conftest import ACME, SAM, SPONSOR


def test_a_mention_shows_the_display_name_or_else_the_full_name(
    emu: Emulator, client: WebClient
) -> None:
    text = f"<@{SAM}> asks <@{SPONSOR}|someone else> in <#{ACME}> &amp; <!here>"
    client.chat_postMessage(channel=ACME, text=text)
    [posted] = emu.messages(ACME)
    assert posted["text"] == text  # kept as sent; shown resolved
    assert emu.shown(posted["text"]) == "@sam asks @pat in #acme-alliance & @here"
    emu.workspace.change_user(SAM, display_name="")  # someone who has no display name
    emu.workspace.change_user(SPONSOR, display_name="Pat S.")
    assert emu.shown(posted["text"]) == "@Sam Manager asks @Pat S. in #acme-alliance & @here"
    profile = client.users_info(user=SPONSOR)["user"]["profile"]
    assert profile["display_name"] == "Pat S."  # what users.info says is what a mention shows


def test_unknown_references_dates_and_links_show_as_slack_falls_back(emu: Emulator) -> None:
    text = (
        "<@U0NOBODY0> on <!date^1764000000^{date_short}|Mon 24 Nov>: "
        "<https://example.com/a?b=1&amp;c=2|the plan> &lt;draft&gt; <#C0NOPE0001|old-name>"
    )
    assert emu.shown(text) == "@U0NOBODY0 on Mon 24 Nov: the plan <draft> #old-name"
