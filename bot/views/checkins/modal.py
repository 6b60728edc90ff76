"""The check-in answer modal, worded for the recipient's role, and reading it back."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.payloads import RowId
from bot.views.checkins.common import ANCHORS, DIRECTIONS, day, question, sponsor_names
from bot.views.kit import (
    VIEW_TITLE,
    Block,
    clip,
    escape,
    input_block,
    option,
    plain,
    said,
    section,
    text_input,
)
from bot.views.phases import QUESTIONS, phase_name
from engagement.checkins.answers import CheckinForm
from engagement.checkins.form import STAKEHOLDERS_LIMIT, TEXT_LIMIT, AnswerForm
from engagement.indicators import RATED
from engagement.models import Role

CALLBACK_ID = "checkin_answer"


class BlockId(enum.StrEnum):
    """The modal's input blocks: one per `AnswerForm` field, same names."""

    STAKEHOLDER_ENGAGEMENT = "stakeholder_engagement"
    STRATEGIC_ALIGNMENT = "strategic_alignment"
    INTERNAL_ADVOCACY = "internal_advocacy"
    REGULAR_CHECKINS = "regular_checkins"
    ROLE_BALANCE = "role_balance"
    ROLE_DIRECTION = "role_direction"
    ALIGNMENT_MEETING_HELD = "alignment_meeting_held"
    STAKEHOLDERS_MET = "stakeholders_met"
    ADVOCACY = "advocacy"
    NOTE = "note"
    PHASE_CHECK = "phase_check"  # the sponsor's only: their account phase's question


FIELD_ACTION = "value"
"""The action ID of the element inside every input block of the modal."""


class Metadata(BaseModel):
    """The modal's `private_metadata`: which check-in, and the revision it was opened on."""

    model_config = ConfigDict(frozen=True)

    checkin_id: RowId
    revision: int = 0
    from_home: bool = False  # opened from App Home: republish it after recording

    def dump(self) -> str:
        return self.model_dump_json()

    @classmethod
    def load(cls, raw: str) -> Metadata:
        return cls.model_validate_json(raw)


def _rating_options(field: str) -> list[Block]:
    low, high = ANCHORS[field]
    labels = {1: f"1 — {low}", 5: f"5 — {high}"}
    return [option(labels.get(n, str(n)), str(n)) for n in range(1, 6)]


def _choice(
    block: BlockId,
    label: str,
    options: list[Block],
    initial: str | None,
    *,
    optional: bool = False,
) -> Block:
    element: Block = {"type": "radio_buttons", "action_id": FIELD_ACTION, "options": options}
    if initial is not None:
        element["initial_option"] = next(o for o in options if o["value"] == initial)
    return input_block(block.value, label, element, optional=optional)


def _text(
    block: BlockId, label: str, initial: str, *, multiline: bool, max_length: int, placeholder: str
) -> Block:
    element = text_input(
        FIELD_ACTION,
        multiline=multiline,
        max_length=max_length,
        initial=initial,
        placeholder=placeholder,
    )
    return input_block(block.value, label, element, optional=True)


def answer_modal(form: CheckinForm, *, from_home: bool = False) -> Block:
    """The check-in modal, worded for the recipient's role; an Edit starts from the latest."""
    latest: AnswerForm | None = form.latest
    values: dict[str, Any] = latest.values() if latest else {}
    who = sponsor_names(form.sponsor_names)
    intro = f"*{escape(form.account_name)}* — period starting {day(form.period_start)}. " + (
        "Rate your own engagement as sponsor."
        if form.role == Role.SPONSOR
        else f"As SAM, rate {escape(who)}'s engagement as sponsor."
    )
    if form.revision:
        intro += (
            f"\nYou are editing your answer (revision {form.revision}); the earlier one is kept."
        )
    blocks: list[Block] = [section(intro, block_id="checkin_intro")]
    for field in RATED:
        initial = values.get(field)
        blocks.append(
            _choice(
                BlockId(field),
                question(field, form.role, form.sponsor_names),
                _rating_options(field),
                None if initial is None else str(initial),
            )
        )
    direction = values.get("role_direction")
    blocks.append(
        _choice(
            BlockId.ROLE_DIRECTION,
            question("role_direction", form.role, form.sponsor_names),
            [option(text, value.value) for value, text in DIRECTIONS.items()],
            None if direction is None else str(direction),
        )
    )
    held = values.get("alignment_meeting_held")
    blocks.append(
        _choice(
            BlockId.ALIGNMENT_MEETING_HELD,
            "Alignment meeting since the last check-in?",
            [option("Yes", "yes"), option("No", "no")],
            None if held is None else ("yes" if held else "no"),
        )
    )
    if form.phase is not None:
        check, name = values.get("phase_check"), phase_name(form.phase)
        blocks.append(
            _choice(
                BlockId.PHASE_CHECK,
                f"{name[0].upper()}{name[1:]} phase: {QUESTIONS[form.phase]}",
                [option("Yes", "yes"), option("No", "no")],
                None if check is None else ("yes" if check else "no"),
                optional=True,
            )
        )
    met = values.get("stakeholders_met")
    blocks.append(
        _text(
            BlockId.STAKEHOLDERS_MET,
            "Customer stakeholders met",
            "" if met is None else str(met),
            multiline=False,
            max_length=5,
            placeholder=f"A number from 0 to {STAKEHOLDERS_LIMIT:,}",
        )
    )
    blocks.append(
        _text(
            BlockId.ADVOCACY,
            question("advocacy", form.role, form.sponsor_names),
            str(values.get("advocacy") or ""),
            multiline=True,
            max_length=TEXT_LIMIT,
            placeholder="Resources secured, obstacles removed, introductions made…",
        )
    )
    blocks.append(
        _text(
            BlockId.NOTE,
            "Anything else?",
            str(values.get("note") or ""),
            multiline=True,
            max_length=TEXT_LIMIT,
            placeholder="A note for the SAM and the team",
        )
    )
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain("Check-in", VIEW_TITLE),
        "submit": plain("Save edit" if form.revision else "Record", VIEW_TITLE),
        "close": plain("Cancel", VIEW_TITLE),
        "private_metadata": Metadata(
            checkin_id=form.checkin_id, revision=form.revision, from_home=from_home
        ).dump(),
        "blocks": blocks,
    }


def form_input(values: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """Flatten a view submission's `state.values` into `AnswerForm` input (field → raw)."""
    flat: dict[str, Any] = {}
    for block in BlockId:
        element = values.get(block.value, {}).get(FIELD_ACTION)
        if element is None:
            continue
        selected = element.get("selected_option")
        if element.get("type") in ("radio_buttons", "static_select"):
            flat[block.value] = selected["value"] if selected else None
        else:
            flat[block.value] = element.get("value")
    return flat


def modal_errors(field_errors: Mapping[str, str]) -> dict[str, str]:
    """`FormInvalid.field_errors` → the `errors` of `response_action: errors` (block IDs)."""
    known = {block.value for block in BlockId}
    errors: dict[str, str] = {}
    for field, message in field_errors.items():
        block = field if field in known else BlockId.STAKEHOLDER_ENGAGEMENT.value
        errors.setdefault(block, clip(said(message), 150))
    return errors
