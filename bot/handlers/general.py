"""`/sponsor help`: answered in the ack itself, as it needs no database."""

from __future__ import annotations

from bot.slash.grammar import HELP_TEXT, Help
from bot.surfaces import Surfaces
from bot.views.people import dm_answer_message
from engagement.people import DirectMessageAnswer


def register(surfaces: Surfaces) -> None:
    """`/sponsor help` (and `/sponsor` alone), answered in the ack; the answer to a DM."""
    surfaces.answer(Help, show_help)
    surfaces.renders(DirectMessageAnswer, dm_answer_message)


def show_help(_command: Help) -> str:
    return HELP_TEXT
