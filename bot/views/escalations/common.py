"""What every escalation surface shares: the IDs Slack sends back, and how a severity, a
state, a time and the people involved are written."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.views.kit import date_token, mention
from engagement.escalations.cards import EscalationCard, Who
from engagement.models import EscalationState, Severity


class EscalationAction(enum.StrEnum):
    """`action_id`s of buttons; each button's value is the escalation ID."""

    ACKNOWLEDGE = "escalation_acknowledge"
    RESOLVE = "escalation_resolve"
    CANCEL = "escalation_cancel"
    NEW = "escalation_new"


class EscalationCallback(enum.StrEnum):
    RAISE = "escalation_raise"
    """The escalation modal's `callback_id`."""
    RESOLVE = "escalation_resolve_note"
    """The resolve-note modal's `callback_id`."""
    SHORTCUT = "escalate_to_sponsor"
    """The message shortcut "Escalate to sponsor" (set in the app manifest)."""


class EscalationField(enum.StrEnum):
    """Modal inputs: each is both the `block_id` and the `action_id` of its element."""

    ACCOUNT = "escalation_account"
    SEVERITY = "escalation_severity"
    SUMMARY = "escalation_summary"
    DETAILS = "escalation_details"
    ASK = "escalation_ask"
    DUE_BY = "escalation_due_by"
    NOTE = "escalation_note"


SEVERITY_MARK = {
    Severity.LOW: ":large_green_circle:",
    Severity.MEDIUM: ":large_yellow_circle:",
    Severity.HIGH: ":large_orange_circle:",
    Severity.CRITICAL: ":red_circle:",
}
ACCOUNT_NAME = 200
"""An account's name in a sentence is cut to this."""


def when(at: datetime) -> str:
    """A time each reader sees in their own zone (with a UTC fallback)."""
    return date_token(at, fallback="%Y-%m-%d %H:%M UTC")


def age_text(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def severity_label(severity: Severity) -> str:
    return f"{SEVERITY_MARK[severity]} {severity.value.capitalize()}"


def who(person: Who) -> str:
    """A person in mrkdwn: a mention once their Slack ID is known."""
    return mention(person.user_id, person.name)


def people(persons: Sequence[Who]) -> str:
    return ", ".join(who(person) for person in persons) or "no sponsor on file"


def state_line(card: EscalationCard) -> str:
    """The escalation's current state in one line, with who and when."""
    if card.state is EscalationState.RESOLVED:
        by = who(card.resolved_by) if card.resolved_by else "someone"
        at = f" {when(card.resolved_at)}" if card.resolved_at else ""
        return f":white_check_mark: *Resolved* by {by}{at}"
    if card.state is EscalationState.CANCELLED:
        by = who(card.cancelled_by) if card.cancelled_by else "someone"
        at = f" {when(card.cancelled_at)}" if card.cancelled_at else ""
        return f":no_entry_sign: *Cancelled* by {by}{at}"
    if card.state is EscalationState.ACKNOWLEDGED:
        by = who(card.acknowledged_by) if card.acknowledged_by else "someone"
        at = f" {when(card.acknowledged_at)}" if card.acknowledged_at else ""
        return f":eyes: *Acknowledged* by {by}{at}"
    return f":hourglass_flowing_sand: *Open*: to be acknowledged by {when(card.ack_deadline)}"
