"""The messages about an escalation: the account channel's alert, the sponsors' DMs (the
request and the reminder) and the escalation path's alert. Each is updated in place as
the escalation moves on."""

from __future__ import annotations

from bot.render import Payload
from bot.views.escalations.common import (
    ACCOUNT_NAME,
    EscalationAction,
    people,
    severity_label,
    state_line,
    when,
    who,
)
from bot.views.kit import (
    SECTION_TEXT,
    Block,
    actions,
    button,
    clip,
    clip_escaped,
    context,
    escape,
    fields,
    header,
    section,
)
from engagement.escalations.cards import EscalationCard
from engagement.escalations.messages import (
    EscalationAlert,
    EscalationPathAlert,
    EscalationReminder,
    EscalationSponsorRequest,
)
from engagement.models import EscalationState

FALLBACK_LIMIT = 300
"""The notification text of a message about an escalation."""


def _fallback(prefix: str, card: EscalationCard) -> str:
    """The notification text: short, escaped like everything else a user wrote."""
    line = f"{prefix} {card.code} ({card.severity.value}) for {card.account_name}: {card.summary}"
    return clip_escaped(line, FALLBACK_LIMIT)


def _account(card: EscalationCard) -> str:
    return escape(clip(card.account_name, ACCOUNT_NAME))


def escalation_body(card: EscalationCard) -> list[Block]:
    """Summary, facts, details, the ask and the source: shared by every escalation message."""
    facts = [
        f"*Account*\n{_account(card)}",
        f"*Severity*\n{severity_label(card.severity)}",
        f"*Raised by*\n{who(card.raised_by)}",
        f"*Raised*\n{when(card.created_at)}",
    ]
    if card.due_by:
        facts.append(f"*Needed by*\n{card.due_by:%a %d %b %Y}")
    blocks: list[Block] = [
        section(f"*Summary*\n{clip_escaped(card.summary, SECTION_TEXT - 20)}"),
        fields(*facts),
    ]
    if card.details:
        blocks.append(section(f"*Details*\n{clip_escaped(card.details, SECTION_TEXT - 20)}"))
    if card.ask:
        blocks.append(
            section(f"*Needed from the sponsor*\n{clip_escaped(card.ask, SECTION_TEXT - 40)}")
        )
    if card.resolution and card.state is EscalationState.RESOLVED:
        blocks.append(section(f"*Resolution*\n{clip_escaped(card.resolution, SECTION_TEXT - 20)}"))
    if card.permalink:
        blocks.append(context(f":link: <{card.permalink}|Source message>"))
    blocks.append(context(state_line(card)))
    return blocks


def sponsor_elements(card: EscalationCard) -> list[Block]:
    """Acknowledge and Resolve while open; Resolve once acknowledged; none once settled."""
    value = str(card.id)
    if card.state is EscalationState.OPEN:
        return [
            button("Acknowledge", EscalationAction.ACKNOWLEDGE, value, style="primary"),
            button("Resolve…", EscalationAction.RESOLVE, value),
        ]
    if card.state is EscalationState.ACKNOWLEDGED:
        return [button("Resolve…", EscalationAction.RESOLVE, value, style="primary")]
    return []


def _to_sponsor(prefix: str, intro: str, card: EscalationCard) -> Payload:
    """A sponsor's DM: the intro, the escalation, and its buttons while there is something to do."""
    blocks = [section(intro), *escalation_body(card)]
    elements = sponsor_elements(card)
    if elements:
        blocks.append(actions(*elements, block_id=f"escalation_buttons_{card.id}"))
    return {"text": _fallback(prefix, card), "blocks": blocks}


def alert_message(message: EscalationAlert) -> Payload:
    """The account channel's alert; `chat.update` replaces it as the state changes."""
    card = message.card
    title = f"{card.code} · {card.severity.value.capitalize()} escalation · {card.account_name}"
    return {
        "text": _fallback("Escalation", card),
        "blocks": [header(title), *escalation_body(card)],
    }


def sponsor_request_message(message: EscalationSponsorRequest) -> Payload:
    """A sponsor's DM: what is asked of them, with the buttons while there is something to do."""
    card = message.card
    intro = (
        f"{who(card.raised_by)} escalated *{card.code}* for "
        f"*{_account(card)}* to you ({severity_label(card.severity)})."
    )
    return _to_sponsor("Escalated to you:", intro, card)


def reminder_message(message: EscalationReminder) -> Payload:
    card = message.card
    intro = (
        f":alarm_clock: *{card.code}* for *{_account(card)}* is past its "
        f"acknowledge deadline ({when(card.ack_deadline)}). {who(card.raised_by)} is waiting "
        "for your answer."
    )
    return _to_sponsor("Reminder:", intro, card)


def path_alert_message(message: EscalationPathAlert) -> Payload:
    """To the escalation path: a critical one at once, or one nobody has acknowledged."""
    card = message.card
    account = _account(card)
    if message.reason == "critical":
        title = f"Critical escalation {card.code} · {card.account_name}"
        intro = (
            f":rotating_light: A critical escalation for *{account}*. "
            f"Sponsors: {people(card.sponsors)}."
        )
    elif card.acknowledged_at is not None:  # the post stays true once someone answered
        title = f"Escalation {card.code} · {card.account_name}"
        by = who(card.acknowledged_by) if card.acknowledged_by else "a sponsor"
        intro = (
            f":white_check_mark: *{card.code}* for *{account}* was acknowledged by {by} "
            f"{when(card.acknowledged_at)}, after its deadline of {when(card.ack_deadline)}."
        )
    else:
        title = f"Unacknowledged escalation {card.code} · {card.account_name}"
        intro = (
            f":warning: Nobody has acknowledged *{card.code}* for *{account}* since "
            f"{when(card.created_at)}; it was due by {when(card.ack_deadline)}. "
            f"Sponsors: {people(card.sponsors)}."
        )
    return {
        "text": _fallback("Escalation path:", card),
        "blocks": [header(title), section(intro), *escalation_body(card)],
    }
