"""The identifiers the rotation's buttons and modals share with their handlers."""

from __future__ import annotations

import enum


class RotationAction(enum.StrEnum):
    """`action_id`s: *Write a handover note* carries the rotation's row ID (*Rotate sponsor*
    on the account card is `ScorecardAction.ROTATE`)."""

    NOTE = "rotation_note"


class RotationCallback(enum.StrEnum):
    ROTATE = "rotation_rotate_form"
    NOTE = "rotation_note_form"


class RotationField(enum.StrEnum):
    """Modal inputs: each is both the `block_id` and the `action_id` of its element."""

    OUTGOING = "rotation_outgoing"
    INCOMING = "rotation_incoming"
    NOTE = "rotation_note_text"
