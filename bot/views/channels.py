"""What the admins are told when a channel refuses Sherpa, and *Retry now*."""

from __future__ import annotations

import enum
import re

from bot.render import Payload
from bot.views.kit import actions, button, escape, section
from engagement.channels import ChannelNeedsAction, ChannelWorksAgain

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


class ChannelAction(enum.StrEnum):
    RETRY = "channel_retry"
    """*Retry now*; its value is the channel."""


def where(channel: str) -> str:
    """A channel as mrkdwn: Slack's link for an ID, the name as written otherwise."""
    return f"<#{channel}>" if CHANNEL_ID.match(channel) else escape(channel)


def _what_to_do(message: ChannelNeedsAction) -> str:
    name = where(message.channel)
    if message.reason == "is_archived":
        return (
            f"{name} is archived, so it takes no messages. Unarchive it, or name another "
            "channel in the portfolio, then press *Retry now*."
        )
    if message.reason == "not_in_channel":
        return (
            f"I can't share files in {name}: I'm not a member. Type `/invite @Sherpa` "
            f"in {name}, then press *Retry now*."
        )
    return (
        f"I can't post in {name}: it is private and I'm not in it (or it no longer "
        f"exists). Type `/invite @Sherpa` in {name}, then press *Retry now*."
    )


def channel_needs_action(message: ChannelNeedsAction) -> Payload:
    waiting = "1 message waits" if message.waiting == 1 else f"{message.waiting} messages wait"
    text = (
        f"{_what_to_do(message)} {waiting} for it; nothing is lost, and I try again "
        "every hour by myself."
    )
    return {
        "text": text,
        "blocks": [
            section(f":warning: {text}"),
            actions(button("Retry now", ChannelAction.RETRY, message.channel, style="primary")),
        ],
    }


def channel_works_again(message: ChannelWorksAgain) -> Payload:
    """The same DM once the channel works: nothing is left to do, so no button."""
    text = (
        f"I can post in {where(message.channel)} again, and what waited for it is going "
        "out. Nothing more to do."
    )
    return {"text": text, "blocks": [section(f":white_check_mark: {text}")]}
