"""The identifiers the register's buttons and modals share with their handlers."""

from __future__ import annotations

import enum


class RiskAction(enum.StrEnum):
    """`action_id`s of buttons; a review DM's carry the risk's row ID as their value."""

    STILL_RIGHT = "risk_still_right"
    UPDATE = "risk_update"
    CLOSE = "risk_close"
    NEW = "risk_new"


class RiskCallback(enum.StrEnum):
    NEW = "risk_new_form"
    UPDATE = "risk_update_form"
    CLOSE = "risk_close_form"


class RiskField(enum.StrEnum):
    """Modal inputs: each is both the `block_id` and the `action_id` of its element."""

    ACCOUNT = "risk_account"
    DESCRIPTION = "risk_description"
    CATEGORY = "risk_category"
    PROBABILITY = "risk_probability"
    IMPACT = "risk_impact"
    MITIGATION = "risk_mitigation"
    STATE = "risk_state"
    REVIEW_ON = "risk_review_on"
    NOTE = "risk_close_note"
