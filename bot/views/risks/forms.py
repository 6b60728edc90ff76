"""The register's forms: the modal to log a risk, and a risk's review — the owner's DM
with *Still right*, *Update…* and *Close…*, its two modals, and the DM as it reads once
answered (no buttons left)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.payloads import RowId
from bot.render import Payload
from bot.views.kit import (
    SELECT_OPTIONS,
    VIEW_TITLE,
    Block,
    actions,
    button,
    clip,
    clip_escaped,
    context,
    day,
    escape,
    input_block,
    option,
    plain,
    section,
    static_select,
    text_input,
)
from bot.views.risks.common import RiskAction, RiskCallback, RiskField
from bot.views.risks.lists import score_text
from engagement.models import RiskCategory, RiskState
from engagement.risks.lines import RiskLine
from engagement.risks.review_dates import RiskReviewed, RiskReviewRequest
from engagement.risks.rules import TEXT_LIMIT


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


def _number(field: RiskField, label: str, initial: int | None = None) -> Block:
    element = {
        "type": "number_input",
        "action_id": field.value,
        "is_decimal_allowed": False,
        "min_value": "1",
        "max_value": "5",
    }
    if initial is not None:
        element["initial_value"] = str(initial)
    return input_block(field.value, label, element)


PROBABILITY = "Probability (1 rare – 5 almost certain)"
IMPACT = "Impact (1 minor – 5 ends the partnership)"


def new_risk_modal(accounts: Sequence[tuple[int, str]]) -> Block:
    """`/sponsor risk` alone, or App Home's *Log a risk*: the accounts the person may log
    for (the first SELECT_OPTIONS; the command reaches any other)."""
    choices = [option(clip(name, 75), str(account_id)) for account_id, name in accounts]
    categories = [option(item.value.capitalize(), item.value) for item in RiskCategory]
    blocks: list[Block] = [
        input_block(RiskField.ACCOUNT.value, "Account",
                    static_select(RiskField.ACCOUNT.value, "Choose an account", choices,
                                  chosen=choices[0]["value"] if len(choices) == 1 else None)),
        input_block(RiskField.DESCRIPTION.value, "What could go wrong?",
                    text_input(RiskField.DESCRIPTION.value, multiline=True,
                               max_length=TEXT_LIMIT)),
        input_block(RiskField.CATEGORY.value, "Category",
                    static_select(RiskField.CATEGORY.value, "Choose a category", categories,
                                  chosen=RiskCategory.OTHER.value)),
        _number(RiskField.PROBABILITY, PROBABILITY),
        _number(RiskField.IMPACT, IMPACT),
        input_block(RiskField.MITIGATION.value, "Mitigation / sponsor action",
                    text_input(RiskField.MITIGATION.value, multiline=True,
                               max_length=TEXT_LIMIT), optional=True),
        input_block(RiskField.REVIEW_ON.value, "Next review (a quarter on if empty)",
                    {"type": "datepicker", "action_id": RiskField.REVIEW_ON.value},
                    optional=True),
    ]  # fmt: skip
    if len(accounts) > SELECT_OPTIONS:
        blocks.append(context(f"Showing {SELECT_OPTIONS} of {len(accounts)} accounts. For "
                              "another, use `/sponsor risk <account> <probability> <impact> "
                              "<description…>`."))  # fmt: skip
    return {
        "type": "modal",
        "callback_id": RiskCallback.NEW.value,
        "title": plain("Log a risk", VIEW_TITLE),
        "submit": plain("Log it", VIEW_TITLE),
        "close": plain("Cancel", VIEW_TITLE),
        "blocks": blocks,
    }


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
            _number(RiskField.PROBABILITY, PROBABILITY, risk.probability),
            _number(RiskField.IMPACT, IMPACT, risk.impact),
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
