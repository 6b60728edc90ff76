"""Block Kit for escalations: pure functions from plain data to Slack payloads.

Message renderers (registered by `bot/handlers/escalations.py`) turn the domain's messages
into channel alerts and sponsor DMs; the other builders give the Slack layer its modals, the
`/sponsor escalations` reply and the App Home section. Slack's limits are kept here:
long text is cut visibly ("…"), long lists say how many more there are.

What the listeners handle (IDs below are shared with the views that produce them):

- `EscalationAction.ACKNOWLEDGE` (button, value = escalation ID) →
  `service.acknowledge(...)`; reply with the result's `line` (ephemeral).
- `EscalationAction.RESOLVE` (button, value = escalation ID) → open
  `resolve_modal(escalation_id)`.
- `EscalationAction.CANCEL` (App Home button, value = escalation ID) → `service.cancel(...)`.
- `EscalationAction.NEW` (App Home button) → open `escalation_modal(...)`.
- `EscalationCallback.SHORTCUT` (message shortcut "Escalate to sponsor") → open
  `escalation_modal(..., prefill=prefill_from_message(text, permalink))`.
- `EscalationCallback.RAISE` (view submission) → `read_submission(view)`, then
  `service.raise_escalation(...)`; on a domain error answer `errors_response(error)`.
- `EscalationCallback.RESOLVE` (view submission) → `read_resolve_submission(view)`, then
  `service.resolve(...)`; on a domain error answer `errors_response(error, resolve=True)`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.payloads import RowId, row_id
from bot.render import Payload
from engagement.errors import SherpaError
from engagement.escalations.cards import EscalationCard, Who
from engagement.escalations.listing import AccountRef, Listed, Listing
from engagement.escalations.messages import (
    EscalationAlert,
    EscalationPathAlert,
    EscalationReminder,
    EscalationSponsorRequest,
)
from engagement.escalations.rules import PERMALINK, TEXT_LIMIT, InvalidFields
from engagement.models import EscalationState, Severity
from engagement.mrkdwn import escape, unescape

Block = dict[str, Any]

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_LIMIT = 75
OPTION_LIMIT = 75
OPTIONS_MAX = 100
MESSAGE_BLOCKS = 50
MODAL_TITLE_LIMIT = 24
LIST_MAX = 40
"""Escalations shown in one `/sponsor escalations` reply (2 blocks are kept for the frame)."""
HOME_MAX = 10
FALLBACK_LIMIT = 300
SUMMARY_PREFILL = 150
"""A summary pre-filled from a message: its first line, cut to this."""


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


FIELD_OF_ERROR = {
    "account": EscalationField.ACCOUNT,
    "severity": EscalationField.SEVERITY,
    "summary": EscalationField.SUMMARY,
    "details": EscalationField.DETAILS,
    "ask": EscalationField.ASK,
    "due_by": EscalationField.DUE_BY,
    "permalink": EscalationField.SUMMARY,
    "note": EscalationField.NOTE,
}
"""Domain field names (`InvalidFields.errors`) → the modal block that shows the message."""

SEVERITY_MARK = {
    Severity.LOW: ":large_green_circle:",
    Severity.MEDIUM: ":large_yellow_circle:",
    Severity.HIGH: ":large_orange_circle:",
    Severity.CRITICAL: ":red_circle:",
}


# --- text helpers -------------------------------------------------------------------


def clip(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters, visibly."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clip_mrkdwn(text: str, limit: int) -> str:
    """User text escaped for mrkdwn and cut to `limit` characters without breaking an entity."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    pieces, used = [], 0
    for character in text:
        piece = escape(character)
        if used + len(piece) > limit - 1:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces).rstrip() + "…"


def when(at: datetime) -> str:
    """A time each reader sees in their own zone (with a UTC fallback)."""
    return (
        f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{at:%Y-%m-%d %H:%M} UTC>"
    )


def age_text(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def plain(text: str, limit: int = SECTION_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}]}


def button(
    label: str,
    action: EscalationAction,
    value: int | str,
    *,
    style: Literal["primary", "danger"] | None = None,
    confirm: Block | None = None,
) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(label, BUTTON_LIMIT),
        "action_id": action.value,
        "value": str(value),
    }
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def severity_label(severity: Severity) -> str:
    return f"{SEVERITY_MARK[severity]} {severity.value.capitalize()}"


def state_line(card: EscalationCard) -> str:
    """The escalation's current state in one line, with who and when."""
    if card.state is EscalationState.RESOLVED:
        by = card.resolved_by.mention if card.resolved_by else "someone"
        at = f" {when(card.resolved_at)}" if card.resolved_at else ""
        return f":white_check_mark: *Resolved* by {by}{at}"
    if card.state is EscalationState.CANCELLED:
        by = card.cancelled_by.mention if card.cancelled_by else "someone"
        at = f" {when(card.cancelled_at)}" if card.cancelled_at else ""
        return f":no_entry_sign: *Cancelled* by {by}{at}"
    if card.state is EscalationState.ACKNOWLEDGED:
        by = card.acknowledged_by.mention if card.acknowledged_by else "someone"
        at = f" {when(card.acknowledged_at)}" if card.acknowledged_at else ""
        return f":eyes: *Acknowledged* by {by}{at}"
    return f":hourglass_flowing_sand: *Open*: to be acknowledged by {when(card.ack_deadline)}"


def _people(people: Sequence[Who]) -> str:
    return ", ".join(who.mention for who in people) or "no sponsor on file"


def _fallback(prefix: str, card: EscalationCard) -> str:
    """The notification text: short, escaped like everything else a user wrote."""
    line = f"{prefix} {card.code} ({card.severity.value}) for {card.account_name}: {card.summary}"
    return clip_mrkdwn(line, FALLBACK_LIMIT)


# --- messages -----------------------------------------------------------------------


def escalation_body(card: EscalationCard) -> list[Block]:
    """Summary, facts, details, the ask and the source: shared by every escalation message."""
    facts = [
        f"*Account*\n{escape(clip(card.account_name, 200))}",
        f"*Severity*\n{severity_label(card.severity)}",
        f"*Raised by*\n{card.raised_by.mention}",
        f"*Raised*\n{when(card.created_at)}",
    ]
    if card.due_by:
        facts.append(f"*Needed by*\n{card.due_by:%a %d %b %Y}")
    blocks: list[Block] = [
        section(f"*Summary*\n{clip_mrkdwn(card.summary, SECTION_LIMIT - 20)}"),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": fact} for fact in facts]},
    ]
    if card.details:
        blocks.append(section(f"*Details*\n{clip_mrkdwn(card.details, SECTION_LIMIT - 20)}"))
    if card.ask:
        blocks.append(
            section(f"*Needed from the sponsor*\n{clip_mrkdwn(card.ask, SECTION_LIMIT - 40)}")
        )
    if card.resolution and card.state is EscalationState.RESOLVED:
        blocks.append(section(f"*Resolution*\n{clip_mrkdwn(card.resolution, SECTION_LIMIT - 20)}"))
    if card.permalink:
        blocks.append(context(f":link: <{card.permalink}|Source message>"))
    blocks.append(context(state_line(card)))
    return blocks


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_LIMIT)}


def sponsor_elements(card: EscalationCard) -> list[Block]:
    """Acknowledge and Resolve while open; Resolve once acknowledged; none once settled."""
    if card.state is EscalationState.OPEN:
        return [
            button("Acknowledge", EscalationAction.ACKNOWLEDGE, card.id, style="primary"),
            button("Resolve…", EscalationAction.RESOLVE, card.id),
        ]
    if card.state is EscalationState.ACKNOWLEDGED:
        return [button("Resolve…", EscalationAction.RESOLVE, card.id, style="primary")]
    return []


def sponsor_buttons(card: EscalationCard) -> list[Block]:
    elements = sponsor_elements(card)
    if not elements:
        return []
    return [{"type": "actions", "block_id": f"escalation_buttons_{card.id}", "elements": elements}]


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
        f"{card.raised_by.mention} escalated *{card.code}* for "
        f"*{escape(clip(card.account_name, 200))}* to you ({severity_label(card.severity)})."
    )
    return {
        "text": _fallback("Escalated to you:", card),
        "blocks": [section(intro), *escalation_body(card), *sponsor_buttons(card)],
    }


def reminder_message(message: EscalationReminder) -> Payload:
    card = message.card
    intro = (
        f":alarm_clock: *{card.code}* for *{escape(clip(card.account_name, 200))}* is past its "
        f"acknowledge deadline ({when(card.ack_deadline)}). {card.raised_by.mention} is waiting "
        "for your answer."
    )
    return {
        "text": _fallback("Reminder:", card),
        "blocks": [section(intro), *escalation_body(card), *sponsor_buttons(card)],
    }


def path_alert_message(message: EscalationPathAlert) -> Payload:
    """To the escalation path: a critical one at once, or one nobody has acknowledged."""
    card = message.card
    account = escape(clip(card.account_name, 200))
    if message.reason == "critical":
        title = f"Critical escalation {card.code} · {card.account_name}"
        intro = (
            f":rotating_light: A critical escalation for *{account}*. "
            f"Sponsors: {_people(card.sponsors)}."
        )
    else:
        title = f"Unacknowledged escalation {card.code} · {card.account_name}"
        intro = (
            f":warning: Nobody has acknowledged *{card.code}* for *{account}* since "
            f"{when(card.created_at)}; it was due by {when(card.ack_deadline)}. "
            f"Sponsors: {_people(card.sponsors)}."
        )
    return {
        "text": _fallback("Escalation path:", card),
        "blocks": [header(title), section(intro), *escalation_body(card)],
    }


# --- the escalation modal -----------------------------------------------------------


class ModalMetadata(BaseModel):
    """What the escalation modal carries in `private_metadata`."""

    model_config = ConfigDict(frozen=True)

    source: Literal["command", "shortcut", "home"] = "command"
    permalink: str | None = None
    """The message an escalation was raised from (the message shortcut)."""
    channel_id: str | None = None
    """Where the command or shortcut was used: where to confirm it."""

    @field_validator("permalink")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        if value is not None and not PERMALINK.fullmatch(value):
            raise ValueError("not a permalink")
        return value

    def dump(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def load(cls, raw: str | None) -> ModalMetadata:
        """Garbled metadata (a forged payload) is read as empty rather than failing."""
        try:
            return cls.model_validate_json(raw or "{}")
        except ValidationError:
            return cls()


@dataclass(frozen=True)
class Prefill:
    account_id: int | None = None
    severity: Severity | None = None
    summary: str = ""
    details: str = ""
    ask: str = ""


def prefill_from_message(text: str) -> Prefill:
    """The message shortcut's pre-fill: its first line as the summary, all of it as details."""
    readable = unescape(text or "").strip()
    first = next((line.strip() for line in readable.splitlines() if line.strip()), "")
    return Prefill(summary=clip(first, SUMMARY_PREFILL), details=clip(readable, TEXT_LIMIT))


def _text_input(
    field: EscalationField,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    optional: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": field.value,
        "multiline": multiline,
        "max_length": TEXT_LIMIT,
    }
    if initial:
        element["initial_value"] = clip(initial, TEXT_LIMIT)
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    block: Block = {
        "type": "input",
        "block_id": field.value,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def escalation_modal(
    accounts: Sequence[AccountRef],
    *,
    metadata: ModalMetadata,
    prefill: Prefill | None = None,
    ack_hours: Mapping[str, int] | None = None,
) -> Block:
    """The escalation modal: only the caller's accounts are offered (at most 100 of them).

    `accounts` is `listing.raisable_accounts(...)`, `ack_hours` is `rules.ack_hours(session)`.

    Without any account (the caller is nobody's SAM) it explains instead of asking.
    """
    prefill = prefill or Prefill()
    base: Block = {
        "type": "modal",
        "callback_id": EscalationCallback.RAISE.value,
        "title": plain("Escalate to sponsor", MODAL_TITLE_LIMIT),
        "close": plain("Cancel", MODAL_TITLE_LIMIT),
        "private_metadata": metadata.dump(),
    }
    if not accounts:
        base["close"] = plain("Close", MODAL_TITLE_LIMIT)
        base["blocks"] = [
            section(
                "Only an account's SAM (or an admin) can escalate to its sponsor, and you are "
                "not the SAM of any account. Ask an admin to add you in the portfolio file."
            )
        ]
        return base
    shown = list(accounts)[:OPTIONS_MAX]
    options = [{"text": plain(a.name, OPTION_LIMIT), "value": str(a.id)} for a in shown]
    account_element: Block = {
        "type": "static_select",
        "action_id": EscalationField.ACCOUNT.value,
        "placeholder": plain("Choose the account"),
        "options": options,
    }
    chosen = (
        prefill.account_id
        if prefill.account_id is not None
        else (shown[0].id if len(shown) == 1 else None)
    )
    for option in options:
        if chosen is not None and option["value"] == str(chosen):
            account_element["initial_option"] = option
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": EscalationField.ACCOUNT.value,
            "label": plain("Account"),
            "element": account_element,
        }
    ]
    if len(accounts) > OPTIONS_MAX:
        blocks.append(
            context(
                f"Showing {OPTIONS_MAX} of {len(accounts)} accounts. For another one, use "
                "`/sponsor escalate <account> <severity> <summary>`."
            )
        )
    severities: list[Block] = [
        {
            "text": plain(_severity_option(severity, ack_hours or {}), OPTION_LIMIT),
            "value": severity.value,
        }
        for severity in reversed(list(Severity))
    ]
    severity_element: Block = {
        "type": "static_select",
        "action_id": EscalationField.SEVERITY.value,
        "placeholder": plain("How urgent is it?"),
        "options": severities,
    }
    for option in severities:
        if prefill.severity is not None and option["value"] == prefill.severity.value:
            severity_element["initial_option"] = option
    blocks.append(
        {
            "type": "input",
            "block_id": EscalationField.SEVERITY.value,
            "label": plain("Severity"),
            "element": severity_element,
        }
    )
    blocks += [
        _text_input(
            EscalationField.SUMMARY,
            "Summary",
            initial=prefill.summary,
            placeholder="One line the sponsor sees first",
        ),
        _text_input(
            EscalationField.DETAILS,
            "Details",
            initial=prefill.details,
            multiline=True,
            optional=True,
        ),
        _text_input(
            EscalationField.ASK,
            "What do you need from the sponsor?",
            initial=prefill.ask,
            multiline=True,
            optional=True,
            placeholder="A call with their CIO, a budget decision, a contract exception…",
        ),
        {
            "type": "input",
            "block_id": EscalationField.DUE_BY.value,
            "label": plain("Needed by"),
            "optional": True,
            "element": {"type": "datepicker", "action_id": EscalationField.DUE_BY.value},
        },
    ]
    if metadata.permalink:
        blocks.append(context(f":link: From <{metadata.permalink}|this message>"))
    return base | {"submit": plain("Escalate", MODAL_TITLE_LIMIT), "blocks": blocks}


def _severity_option(severity: Severity, ack_hours: Mapping[str, int]) -> str:
    """ "High · acknowledge within 1 day", when the deadlines are known."""
    label = severity.value.capitalize()
    if severity.value in ack_hours:
        label += f" · acknowledge within {_hours(ack_hours[severity.value])}"
    return label


def _hours(hours: int) -> str:
    if hours % 24 == 0:
        days = hours // 24
        return f"{days} day" + ("s" if days != 1 else "")
    return f"{hours} h"


@dataclass(frozen=True)
class Submission:
    """The escalation modal's `state.values`, flattened for `service.raise_escalation`:

    `raise_escalation(session, actor=…, account_id=s.account_id, severity=s.severity,
    summary=s.summary, details=s.details, ask=s.ask, due_by=s.due_by,
    permalink=s.metadata.permalink, request_key=f"view:{view['id']}", now=…)`
    """

    account_id: int | None
    severity: str | None
    summary: str
    details: str
    ask: str
    due_by: date | None
    metadata: ModalMetadata


def _value(values: Mapping[str, Any], field: EscalationField) -> Mapping[str, Any]:
    block = values.get(field.value) or {}
    found = block.get(field.value) if isinstance(block, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def _selected(values: Mapping[str, Any], field: EscalationField) -> str | None:
    option = _value(values, field).get("selected_option")
    if isinstance(option, Mapping) and isinstance(option.get("value"), str):
        return str(option["value"])
    return None


def _typed(values: Mapping[str, Any], field: EscalationField) -> str:
    text = _value(values, field).get("value")
    return text if isinstance(text, str) else ""


def read_submission(view: Mapping[str, Any]) -> Submission:
    """Flatten a submitted escalation modal; anything missing or garbled reads as empty,
    for the domain to refuse with a message beside the right field."""
    values = (view.get("state") or {}).get("values") or {}
    account = _selected(values, EscalationField.ACCOUNT)
    raw_date = _value(values, EscalationField.DUE_BY).get("selected_date")
    try:
        due_by = date.fromisoformat(raw_date) if isinstance(raw_date, str) else None
    except ValueError:
        due_by = None
    return Submission(
        account_id=row_id(account),
        severity=_selected(values, EscalationField.SEVERITY),
        summary=_typed(values, EscalationField.SUMMARY),
        details=_typed(values, EscalationField.DETAILS),
        ask=_typed(values, EscalationField.ASK),
        due_by=due_by,
        metadata=ModalMetadata.load(view.get("private_metadata")),
    )


def form_errors(error: SherpaError, *, resolve: bool = False) -> dict[str, str]:
    """A domain error as `{block_id: message}`: field errors beside their fields, anything
    else (not allowed, not found) beside the account (or the note, in the resolve modal)."""
    fallback = EscalationField.NOTE if resolve else EscalationField.ACCOUNT
    if isinstance(error, InvalidFields):
        mapped: dict[str, str] = {}
        for name, message in error.errors.items():
            block = EscalationField.NOTE if resolve else FIELD_OF_ERROR.get(name, fallback)
            mapped.setdefault(block.value, message)
        return mapped
    return {fallback.value: str(error)}


def errors_response(error: SherpaError, *, resolve: bool = False) -> dict[str, Any]:
    """What a view-submission listener acks with to show the errors in the modal."""
    return {"response_action": "errors", "errors": form_errors(error, resolve=resolve)}


# --- the resolve-note modal ----------------------------------------------------------


class ResolveMetadata(BaseModel):
    model_config = ConfigDict(frozen=True)

    escalation_id: RowId
    channel_id: str | None = None


def resolve_modal(
    escalation_id: int, *, summary: str | None = None, channel_id: str | None = None
) -> Block:
    """Asks for the resolution note; opened by the Resolve button (no database read needed)."""
    code = f"ESC-{escalation_id}"
    blocks: list[Block] = []
    if summary:
        blocks.append(section(f"*{code}*: {clip_mrkdwn(summary, 500)}"))
    blocks.append(
        {
            "type": "input",
            "block_id": EscalationField.NOTE.value,
            "label": plain("How was it resolved?"),
            "element": {
                "type": "plain_text_input",
                "action_id": EscalationField.NOTE.value,
                "multiline": True,
                "max_length": TEXT_LIMIT,
            },
            "hint": plain("The SAM and the account channel will see this note."),
        }
    )
    return {
        "type": "modal",
        "callback_id": EscalationCallback.RESOLVE.value,
        "title": plain(f"Resolve {code}", MODAL_TITLE_LIMIT),
        "submit": plain("Resolve", MODAL_TITLE_LIMIT),
        "close": plain("Cancel", MODAL_TITLE_LIMIT),
        "private_metadata": ResolveMetadata(
            escalation_id=escalation_id, channel_id=channel_id
        ).model_dump_json(exclude_none=True),
        "blocks": blocks,
    }


@dataclass(frozen=True)
class ResolveSubmission:
    escalation_id: int | None
    note: str
    channel_id: str | None


def read_resolve_submission(view: Mapping[str, Any]) -> ResolveSubmission:
    """The note and the escalation it is for (None when the metadata is garbled: refuse)."""
    values = (view.get("state") or {}).get("values") or {}
    try:
        metadata: ResolveMetadata | None = ResolveMetadata.model_validate_json(
            view.get("private_metadata") or ""
        )
    except ValidationError:
        metadata = None
    return ResolveSubmission(
        escalation_id=metadata.escalation_id if metadata else None,
        note=_typed(values, EscalationField.NOTE),
        channel_id=metadata.channel_id if metadata else None,
    )


# --- lists: /sponsor escalations and App Home ---------------------------------------


def _list_line(item: Listed) -> str:
    card = item.escalation
    flags = " · :alarm_clock: *overdue*" if item.overdue else ""
    state = "acknowledged" if card.state is EscalationState.ACKNOWLEDGED else "open"
    return (
        f"*{card.code}* · {severity_label(card.severity)} · "
        f"{escape(clip(card.account_name, 100))} · {age_text(item.age)} old · {state}{flags}\n"
        f"{clip_mrkdwn(card.summary, 300)}\n"
        f"_Raised by {card.raised_by.mention}; sponsors {_people(card.sponsors)}_"
    )


def escalations_list(listing: Listing) -> Payload:
    """The `/sponsor escalations [account]` reply (ephemeral): oldest first, at most 40 shown."""
    scope = f" for {escape(listing.account_name)}" if listing.account_name else ""
    total = len(listing.items)
    if not total:
        where = scope or " in your accounts"
        return {
            "text": f"No open escalations{where}.",
            "blocks": [section(f"No open escalations{where}.")],
        }
    count = f"{total} open escalation{'s' if total != 1 else ''}{scope}, oldest first"
    blocks: list[Block] = [section(f"*{count}*")]
    blocks += [section(_list_line(item)) for item in listing.items[:LIST_MAX]]
    if total > LIST_MAX:
        blocks.append(
            context(
                f"…and {total - LIST_MAX} more. Name an account to narrow the list: "
                "`/sponsor escalations <account>`."
            )
        )
    return {"text": count, "blocks": blocks}


def home_section(listing: Listing, *, viewer: str) -> list[Block]:
    """App Home: the escalations the viewer raised or owns, with what they can do about each.

    `viewer` is the Slack user ID of whoever opened App Home. At most 2 + 2 × 10 + 1 blocks.
    """
    blocks: list[Block] = [
        header("Escalations"),
        {
            "type": "actions",
            "block_id": "escalation_home_new",
            "elements": [button("Escalate to sponsor", EscalationAction.NEW, "new")],
        },
    ]
    if not listing.items:
        blocks.append(context("Nothing open that you raised or sponsor."))
        return blocks
    for item in listing.items[:HOME_MAX]:
        card = item.escalation
        blocks.append(section(_list_line(item)))
        elements: list[Block] = []
        if any(who.user_id == viewer for who in card.sponsors):
            elements += sponsor_elements(card)
        if card.raised_by.user_id == viewer:
            elements.append(
                button(
                    "Cancel escalation",
                    EscalationAction.CANCEL,
                    card.id,
                    style="danger",
                    confirm={
                        "title": plain(f"Cancel {card.code}?", 100),
                        "text": plain(
                            "The sponsors and the channel will see it was cancelled.", 300
                        ),
                        "confirm": plain("Cancel it", 30),
                        "deny": plain("Keep it", 30),
                    },
                )
            )
        if elements:
            blocks.append(
                {"type": "actions", "block_id": f"escalation_home_{card.id}", "elements": elements}
            )
    if len(listing.items) > HOME_MAX:
        blocks.append(
            context(
                f"…and {len(listing.items) - HOME_MAX} more: `/sponsor escalations` lists them all."
            )
        )
    return blocks


# --- after a submission ----------------------------------------------------------------


def done_modal(title: str, line: str) -> Block:
    """What a submitted modal turns into (`response_action: update`): the outcome, in place,
    so the person sees it without another message, and one button to close it."""
    return {
        "type": "modal",
        "title": plain(title, MODAL_TITLE_LIMIT),
        "close": plain("Done", MODAL_TITLE_LIMIT),
        "blocks": [section(f":white_check_mark: {line}")],
    }
