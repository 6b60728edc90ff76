"""What Sherpa says about an escalation, as plain data; `bot/views/escalations` renders it."""

from __future__ import annotations

from typing import Literal

from engagement.escalations.cards import EscalationCard, Who
from engagement.notify import Message


class EscalationAlert(Message):
    """The account channel's alert; updated in place to the current state."""

    card: EscalationCard


class EscalationSponsorRequest(Message):
    """A sponsor's DM with Acknowledge and Resolve (the buttons go once it is settled)."""

    card: EscalationCard
    sponsor: Who


class EscalationReminder(Message):
    """A sponsor's DM once the acknowledge deadline has passed, with the same buttons."""

    card: EscalationCard
    sponsor: Who


class EscalationPathAlert(Message):
    """To the portfolio's escalation path: a critical one at once, or one left unacknowledged."""

    card: EscalationCard
    reason: Literal["critical", "overdue"]
