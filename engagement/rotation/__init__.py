"""Sponsor rotation (seed 001): the handover brief, the outgoing sponsor's note."""

from __future__ import annotations

from engagement.duework.registry import Registry
from engagement.rotation import brief
from engagement.rotation.service import ADD_NOTE, ASK_NOTE, BRIEF


def register(registry: Registry) -> None:
    """The brief to the incoming sponsor, the request for a note, the note in the brief."""
    registry.kind(BRIEF, brief.send_brief)
    registry.kind(ASK_NOTE, brief.ask_note)
    registry.kind(ADD_NOTE, brief.add_note)
