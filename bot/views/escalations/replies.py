"""The one line a person gets after raising, acknowledging, resolving or cancelling."""

from __future__ import annotations

from bot.views.escalations.common import who
from bot.views.kit import escape
from engagement.escalations.service import Changed, Raised
from engagement.models import EscalationState

DONE = {"acknowledge": "acknowledged", "resolve": "resolved", "cancel": "cancelled"}


def raised_line(raised: Raised) -> str:
    item = raised.escalation
    if not raised.created:
        return f"{item.code} was already logged for this request; nothing new was created."
    return (
        f"Logged {item.code} ({item.severity.value}) for {escape(item.account_name)}: "
        "the sponsors are being told."
    )


def changed_line(changed: Changed) -> str:
    """What was done, or, when nothing changed, how it stands (not an error)."""
    current, action = changed.escalation, changed.action
    code = current.code
    if changed.changed:
        return f"You {DONE[action]} {code}."
    if current.state is EscalationState.ACKNOWLEDGED and current.acknowledged_by:
        return f"{code} was already acknowledged by {who(current.acknowledged_by)}."
    if current.state is EscalationState.RESOLVED and current.resolved_by:
        return f"{code} was already resolved by {who(current.resolved_by)}."
    if current.state is EscalationState.CANCELLED and current.cancelled_by:
        return f"{code} was cancelled by {who(current.cancelled_by)}; there is nothing to {action}."
    return f"{code} is {current.state.value}; nothing to {action}."
