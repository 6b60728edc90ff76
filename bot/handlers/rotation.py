"""Sponsor rotation in Slack: *Rotate sponsor* on the account card opens the admins' modal;
the outgoing sponsor's *Write a handover note* opens the note's modal; how the brief and
the DMs look."""

from __future__ import annotations

import logging
from typing import Any

from bot.payloads import row_id
from bot.request import SlackRequest
from bot.surfaces import Surfaces
from bot.views.kit import done_modal, submitted
from bot.views.rotation import forms
from bot.views.rotation.brief import brief_message
from bot.views.rotation.common import RotationAction, RotationCallback, RotationField
from bot.views.rotation.forms import NoteMetadata
from bot.views.scorecard.common import ScorecardAction
from engagement.errors import FormInvalid, Invalid
from engagement.escalations.cards import Who
from engagement.models import Person
from engagement.notify import Posted
from engagement.rotation import service
from engagement.rotation.brief import HandoverBrief, HandoverNoteAdded, HandoverNoteRequest

log = logging.getLogger(__name__)


def register(surfaces: Surfaces) -> None:
    """The two modals and their buttons; the brief and the note's DMs."""
    surfaces.action(ScorecardAction.ROTATE, open_rotate)
    surfaces.view(RotationCallback.ROTATE, submit_rotate)
    surfaces.action(RotationAction.NOTE, open_note)
    surfaces.view(RotationCallback.NOTE, submit_note)
    surfaces.renders(HandoverBrief, brief_message)
    surfaces.renders(HandoverNoteRequest, forms.note_request_message)
    surfaces.renders(HandoverNoteAdded, forms.note_added_message)


def _row(request: SlackRequest, value: object, what: str) -> int:
    found = row_id(value)
    if found is None:
        log.warning("rotation.bad_payload user=%s what=%s", request.user_id, what)
        raise Invalid("That button is out of date; use the latest message about it.")
    return found


def open_rotate(request: SlackRequest, action: dict[str, Any]) -> None:
    """Admins only: anyone else is told so in one line."""
    account_id = _row(request, action.get("value"), "account")
    with request.reading() as session:
        form = service.rotation_form(session, actor=request.actor(session), account_id=account_id)
    request.open_view(forms.rotate_modal(form))


_FIELDS = {"outgoing": RotationField.OUTGOING, "incoming": RotationField.INCOMING}


def submit_rotate(request: SlackRequest, view: dict[str, Any]) -> dict[str, Any] | None:
    """Rotate; a problem stays in the modal beside its field, else the modal says what was
    done. A non-admin's (forged) submission is refused and writes nothing."""
    account_id = _row(request, view.get("private_metadata"), "rotation form")
    try:
        with request.session() as session:
            rotation, outgoing = service.rotate_from_slack(
                session, actor=request.actor(session), account_id=account_id,
                outgoing_id=row_id(submitted(view, RotationField.OUTGOING)),
                incoming_user=submitted(view, RotationField.INCOMING), at=request.now(),
            )  # fmt: skip
            line = forms.rotated_text(
                rotation.account.name,
                Who.of(session.get_one(Person, rotation.incoming_id)),
                Who.of(outgoing),
            )
    except FormInvalid as problem:
        [(field, message)] = problem.field_errors.items()
        return forms.errors(_FIELDS.get(field, RotationField.INCOMING), message)
    return {"response_action": "update", "view": done_modal("Sponsor rotated", line)}


def open_note(request: SlackRequest, action: dict[str, Any]) -> None:
    rotation_id = _row(request, action.get("value"), "handover note")
    container = request.body.get("container") or {}
    where = NoteMetadata(
        rotation_id=rotation_id,
        channel=str(container.get("channel_id") or request.channel_id or "") or None,
        ts=str(container.get("message_ts") or "") or None,
    )
    with request.reading() as session:
        rotation = service.note_rotation(
            session, actor=request.actor(session), rotation_id=rotation_id
        )
        account = rotation.account.name
    request.open_view(forms.note_modal(account, where))


def submit_note(request: SlackRequest, view: dict[str, Any]) -> dict[str, Any] | None:
    where = NoteMetadata.load(view.get("private_metadata"))
    if where is None:
        log.warning("rotation.bad_form_metadata user=%s", request.user_id)
        raise Invalid("That form is out of date; use the button on the latest message.")
    try:
        with request.session() as session:
            rotation = service.add_handover_note(
                session, actor=request.actor(session), rotation_id=where.rotation_id,
                text=submitted(view, RotationField.NOTE) or "", at=request.now(),
            )  # fmt: skip
            added = HandoverNoteAdded(
                account=rotation.account.name,
                incoming=Who.of(session.get_one(Person, rotation.incoming_id)),
            )
    except Invalid as problem:
        return forms.errors(RotationField.NOTE, str(problem))
    if where.channel and where.ts:
        request.runtime.notifier.update(Posted(where.channel, where.ts), added)
    return None
