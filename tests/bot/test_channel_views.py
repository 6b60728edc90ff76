"""The admins' DM about a channel that refuses Sherpa: what to do, and *Retry now*."""

from __future__ import annotations

import pytest

from bot.views.channels import ChannelAction, channel_needs_action
from engagement.channels import ChannelNeedsAction
from tests.bot.blockkit import check


@pytest.mark.parametrize(
    ("channel", "reason", "said"),
    [
        ("#exec-steering", "channel_not_found",
         "I can't post in #exec-steering: it is private and I'm not in it"),
        ("C0DIGEST01", "not_in_channel",
         "I can't share files in <#C0DIGEST01>: I'm not a member. Type `/invite @Sherpa`"),
        ("#old-deals", "is_archived", "#old-deals is archived, so it takes no messages."),
    ],
)  # fmt: skip
def test_each_refusal_says_what_to_do_with_retry_now(channel: str, reason: str, said: str) -> None:
    payload = channel_needs_action(ChannelNeedsAction(channel=channel, reason=reason, waiting=3))
    blocks = check(payload)
    assert said in payload["text"] and "3 messages wait for it; nothing is lost" in payload["text"]
    [button] = blocks[-1]["elements"]
    assert (button["action_id"], button["value"]) == (ChannelAction.RETRY, channel)
    assert button["text"]["text"] == "Retry now"


def test_a_channel_name_is_escaped() -> None:
    message = ChannelNeedsAction(channel="#a<b>&c", reason="is_archived", waiting=1)
    text = channel_needs_action(message)["text"]
    assert text.startswith("#a&lt;b&gt;&amp;c is archived") and "1 message waits" in text
