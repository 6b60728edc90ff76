"""`/sponsor help`: answered in the ack itself, as it needs no database."""

from __future__ import annotations

from bot.slash.dispatch import answers
from bot.slash.grammar import HELP_TEXT, Help


@answers(Help)
def show_help(_command: Help) -> str:
    return HELP_TEXT
