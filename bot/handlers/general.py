"""`/sponsor help`, and the one always-present App Home line."""

from __future__ import annotations

from bot.request import SlackRequest
from bot.slash.dispatch import handles
from bot.slash.grammar import HELP_TEXT, Help


@handles(Help)
def show_help(request: SlackRequest, _command: Help) -> None:
    request.reply(HELP_TEXT)
