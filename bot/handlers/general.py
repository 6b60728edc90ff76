"""`/sponsor help`: answered in the ack itself, as it needs no database."""

from __future__ import annotations

from bot.slash.grammar import HELP_TEXT, Help
from bot.surfaces import Surfaces


def register(surfaces: Surfaces) -> None:
    """`/sponsor help` (and `/sponsor` alone), answered in the ack."""
    surfaces.answer(Help, show_help)


def show_help(_command: Help) -> str:
    return HELP_TEXT
