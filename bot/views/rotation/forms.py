"""The *Rotate sponsor* modal (admins), and the outgoing sponsor's note: the DM asking for
it, its modal, and the DM once the note is written."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.payloads import RowId
from bot.render import Payload
from bot.views.kit import (
    VIEW_TITLE,
    Block,
    actions,
    button,
    clip,
    escape,
    input_block,
    mention,
    option,
    plain,
    section,
    static_select,
    text_input,
)
from bot.views.rotation.common import RotationAction, RotationCallback, RotationField
from engagement.escalations.cards import Who
from engagement.rotation.brief import HandoverNoteAdded, HandoverNoteRequest
from engagement.rotation.service import NOTE_LIMIT, RotationForm


class NoteMetadata(BaseModel):
    """Which rotation a note is for, and the request DM to settle once it is written."""

    model_config = ConfigDict(frozen=True)

    rotation_id: RowId
    channel: str | None = None
    ts: str | None = None

    @classmethod
    def load(cls, raw: object) -> NoteMetadata | None:
        """None when garbled (a forged payload): the submission is refused."""
        try:
            return cls.model_validate_json(str(raw or ""))
        except ValidationError:
            return None


def rotate_modal(form: RotationForm) -> Block:
    """Who hands the account over (its current sponsors) to whom (anyone in Slack)."""
    sponsors = [option(clip(item.name, 75), str(item.person_id)) for item in form.sponsors]
    only = sponsors[0]["value"] if len(sponsors) == 1 else None
    return {
        "type": "modal",
        "callback_id": RotationCallback.ROTATE.value,
        "title": plain("Rotate sponsor", VIEW_TITLE),
        "submit": plain("Rotate", VIEW_TITLE),
        "close": plain("Cancel", VIEW_TITLE),
        "private_metadata": str(form.account_id),
        "blocks": [
            section(f"Hand *{escape(form.account)}* over to a new executive sponsor. They get "
                    "a handover brief; the outgoing sponsor is asked for a handover note."),
            input_block(RotationField.OUTGOING.value, "Outgoing sponsor",
                        static_select(RotationField.OUTGOING.value, "Choose a sponsor",
                                      sponsors, chosen=only)),
            input_block(RotationField.INCOMING.value, "Incoming sponsor",
                        {"type": "users_select", "action_id": RotationField.INCOMING.value,
                         "placeholder": plain("Choose a person", 150)}),
        ],
    }  # fmt: skip


def rotated_text(account: str, incoming: Who, outgoing: Who) -> str:
    """What the *Rotate sponsor* modal says once done."""
    return (
        f"{mention(incoming.user_id, incoming.name)} is now a sponsor of {escape(account)} in "
        f"place of {mention(outgoing.user_id, outgoing.name)}. Their handover brief is on its "
        "way, and the outgoing sponsor is asked for a handover note."
    )


def note_request_message(message: HandoverNoteRequest) -> Payload:
    """The outgoing sponsor's DM: a button that opens the note's modal."""
    incoming = mention(message.incoming.user_id, message.incoming.name)
    return {
        "text": f"You handed {message.account} over: a handover note, please",
        "blocks": [
            section(
                f":handshake: You handed *{escape(message.account)}* over to {incoming}. "
                "A few lines from you help them start warm: what matters to the partner, "
                "who to call, what is in flight. Your note is added to their handover brief."
            ),
            actions(
                button(
                    "Write a handover note",
                    RotationAction.NOTE,
                    str(message.rotation_id),
                    style="primary",
                ),
                block_id="rotation_note_request",
            ),
        ],
    }


def note_added_message(message: HandoverNoteAdded) -> Payload:
    """The request DM once the note is written: nothing left to click."""
    incoming = mention(message.incoming.user_id, message.incoming.name)
    text = f"Your handover note is in {incoming}'s brief on *{escape(message.account)}*. Thank you."
    return {
        "text": f"Your handover note on {message.account} was added to the brief",
        "blocks": [section(f":white_check_mark: {text}")],
    }


def note_modal(account: str, metadata: NoteMetadata) -> Block:
    return {
        "type": "modal",
        "callback_id": RotationCallback.NOTE.value,
        "title": plain("Handover note", VIEW_TITLE),
        "submit": plain("Add to the brief", VIEW_TITLE),
        "close": plain("Cancel", VIEW_TITLE),
        "private_metadata": metadata.model_dump_json(exclude_none=True),
        "blocks": [
            section(f"For the incoming sponsor of *{escape(account)}*."),
            input_block(RotationField.NOTE.value, "Your handover note",
                        text_input(RotationField.NOTE.value, multiline=True,
                                   max_length=NOTE_LIMIT,
                                   placeholder="What matters, who to call, what is in flight"),
                        hint="Added to their handover brief as you write it."),
        ],
    }  # fmt: skip


def errors(field: RotationField, message: str) -> dict[str, Any]:
    """A view-submission ack that shows `message` beside `field`."""
    return {"response_action": "errors", "errors": {field.value: message}}
