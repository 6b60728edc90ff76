"""The identifiers the rotation's buttons and modals share with their handlers."""

from __future__ import annotations

import enum


class RotationAction(enum.StrEnum):
    """`action_id`s: *Rotate sponsor* carries the account's row ID, *Write a handover
    note* the rotation's."""

    OPEN = "rotation_open"
    NOTE = "rotation_note"


class RotationCallback(enum.StrEnum):
    ROTATE = "rotation_rotate_form"
    NOTE = "rotation_note_form"


class RotationField(enum.StrEnum):
    """Modal inputs: each is both the `block_id` and the `action_id` of its element."""

    OUTGOING = "rotation_outgoing"
    INCOMING = "rotation_incoming"
    NOTE = "rotation_note_text"
