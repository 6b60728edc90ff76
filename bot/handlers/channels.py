"""Channels that refuse Sherpa: the admins' DM and its *Retry now* button."""

from __future__ import annotations

from typing import Any

from bot.request import SlackRequest
from bot.surfaces import Surfaces
from bot.views.channels import ChannelAction, channel_needs_action, channel_works_again, where
from engagement import channels
from engagement.channels import ChannelNeedsAction, ChannelWorksAgain


def register(surfaces: Surfaces) -> None:
    surfaces.action(ChannelAction.RETRY, retry_button)
    surfaces.renders(ChannelNeedsAction, channel_needs_action)
    surfaces.renders(ChannelWorksAgain, channel_works_again)


def retry_button(request: SlackRequest, action: dict[str, Any]) -> None:
    channel = str(action.get("value") or "")
    with request.session() as session:
        count = channels.retry(
            session, channel=channel, is_admin=request.actor(session).is_admin, now=request.now()
        )
    if count:
        request.reply(f"Trying {where(channel)} again within a minute ({count} waiting).")
    else:
        request.reply(f"Nothing waits for {where(channel)} any more.")
