"""A risk's review: the owner's DM with *Still right*, *Update…* and *Close…*, the two
modals, and the DM as it reads once answered (no buttons left)."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.payloads import RowId
from bot.render import Payload
from bot.views.kit import (
    VIEW_TITLE,
    Block,
    actions,
    button,
    clip_escaped,
    context,
    day,
    escape,
    input_block,
    option,
    plain,
    section,
    text_input,
)
from bot.views.risks.lists import score_text
from engagement.models import RiskState
from engagement.risks.lines import RiskLine
from engagement.risks.review_dates import RiskReviewed, RiskReviewRequest
from engagement.risks.rules import TEXT_LIMIT


class RiskAction(enum.StrEnum):
    """`action_id`s of the review DM's buttons; each button's value is the risk's row ID."""

    STILL_RIGHT = "risk_still_right"
    UPDATE = "risk_update"
    CLOSE = "risk_close"


class RiskCallback(enum.StrEnum):
    UPDATE = "risk_update_form"
    CLOSE = "risk_close_form"


class RiskField(enum.StrEnum):
    """Modal inputs: each is both the `block_id` and the `action_id` of its element."""

    PROBABILITY = "risk_probability"
    IMPACT = "risk_impact"
    MITIGATION = "risk_mitigation"
    STATE = "risk_state"
    REVIEW_ON = "risk_review_on"
    NOTE = "risk_close_note"


class ReviewMetadata(BaseModel):
    """Which risk a modal is for, and the DM to bring up to date once it is submitted."""

    model_config = ConfigDict(frozen=True)

    risk_id: RowId
    channel: str | None = None
    ts: str | None = None

    @classmethod
    def load(cls, raw: object) -> ReviewMetadata | None:
        """None when garbled (a forged payload): the submission is refused."""
        try:
            return cls.model_validate_json(str(raw or ""))
        except ValidationError:
            return None


def _about(risk: RiskLine) -> str:
    mitigation = f"\n_Mitigation:_ {clip_escaped(risk.mitigation, 1000)}" if risk.mitigation else ""
    return (
        f"*{risk.code}* · {escape(risk.account)} · {score_text(risk)} · {risk.state}\n"
        f"{clip_escaped(risk.description, 1000)}{mitigation}"
    )


def review_request_message(message: RiskReviewRequest) -> Payload:
    """The owner's DM on the review date."""
    risk, value = message.risk, str(message.risk_id)
    return {
        "text": f"Time to review {risk.code} of {risk.account}: is it still right?",
        "blocks": [
            section(f":mag: Time to review a risk you own. Is it still right?\n{_about(risk)}"),
            actions(
                button("Still right", RiskAction.STILL_RIGHT, value, style="primary"),
                button("Update…", RiskAction.UPDATE, value),
                button("Close…", RiskAction.CLOSE, value),
                block_id="risk_review",
            ),
        ],
    }


def reviewed_message(message: RiskReviewed) -> Payload:
    """The DM once answered: what was decided; nothing left to click."""
    risk, outcome = message.risk, message.outcome.capitalize()
    next_review = f" Next review on {day(risk.review_on)}." if risk.review_on else ""
    return {
        "text": f"{risk.code} of {risk.account}: {outcome}",
        "blocks": [
            section(_about(risk)),
            context(f":white_check_mark: {escape(outcome)}.{next_review}"),
        ],
    }


def _number(field: RiskField, label: str, initial: int) -> Block:
    element = {
        "type": "number_input",
        "action_id": field.value,
        "is_decimal_allowed": False,
        "min_value": "1",
        "max_value": "5",
        "initial_value": str(initial),
    }
    return input_block(field.value, label, element)


def update_modal(risk: RiskLine, metadata: ReviewMetadata) -> Block:
    states = [option(state.value.capitalize(), state.value) for state in RiskState]
    chosen = next(item for item in states if item["value"] == risk.state)
    return {
        "type": "modal",
        "callback_id": RiskCallback.UPDATE.value,
        "title": plain(f"Update {risk.code}", VIEW_TITLE),
        "submit": plain("Save", VIEW_TITLE),
        "close": plain("Cancel", VIEW_TITLE),
        "private_metadata": metadata.model_dump_json(exclude_none=True),
        "blocks": [
            section(f"*{risk.code}* · {escape(risk.account)}\n"
                    f"{clip_escaped(risk.description, 1000)}"),
            _number(RiskField.PROBABILITY, "Probability (1 rare – 5 almost certain)",
                    risk.probability),
            _number(RiskField.IMPACT, "Impact (1 minor – 5 ends the partnership)", risk.impact),
            input_block(RiskField.MITIGATION.value, "Mitigation / sponsor action",
                        text_input(RiskField.MITIGATION.value, multiline=True,
                                   max_length=TEXT_LIMIT, initial=risk.mitigation),
                        optional=True),
            input_block(RiskField.STATE.value, "State",
                        {"type": "radio_buttons", "action_id": RiskField.STATE.value,
                         "options": states, "initial_option": chosen}),
            input_block(RiskField.REVIEW_ON.value, "Next review (a quarter on if empty)",
                        {"type": "datepicker", "action_id": RiskField.REVIEW_ON.value},
                        optional=True),
        ],
    }  # fmt: skip


def close_modal(risk: RiskLine, metadata: ReviewMetadata) -> Block:
    return {
        "type": "modal",
        "callback_id": RiskCallback.CLOSE.value,
        "title": plain(f"Close {risk.code}", VIEW_TITLE),
        "submit": plain("Close the risk", VIEW_TITLE),
        "close": plain("Cancel", VIEW_TITLE),
        "private_metadata": metadata.model_dump_json(exclude_none=True),
        "blocks": [
            section(_about(risk)),
            input_block(RiskField.NOTE.value, "Why is it closed?",
                        text_input(RiskField.NOTE.value, multiline=True, max_length=TEXT_LIMIT)),
        ],
    }  # fmt: skip


def errors(field: RiskField, message: str) -> dict[str, Any]:
    """A view-submission ack that shows `message` beside `field`."""
    return {"response_action": "errors", "errors": {field.value: message}}


def day_or_none(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
