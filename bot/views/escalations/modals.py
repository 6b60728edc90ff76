"""The escalation modals: raising one (from `/sponsor escalate`, App Home or the message
shortcut) and the resolution note; reading what was submitted; showing the domain's
refusals beside the right field; and what a submitted modal turns into."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.payloads import RowId, row_id
from bot.views.escalations.common import EscalationCallback, EscalationField
from bot.views.kit import (
    SELECT_OPTIONS,
    VIEW_TITLE,
    Block,
    clip,
    clip_escaped,
    context,
    input_block,
    option,
    plain,
    said,
    section,
    static_select,
    text_input,
    unescape,
)
from engagement.errors import SherpaError
from engagement.escalations.listing import AccountRef
from engagement.escalations.rules import PERMALINK, TEXT_LIMIT, InvalidFields
from engagement.models import Severity

SUMMARY_PREFILL = 150
"""A summary pre-filled from a message: its first line, cut to this."""

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


def _text(
    field: EscalationField,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    optional: bool = False,
    placeholder: str | None = None,
) -> Block:
    element = text_input(
        field.value,
        multiline=multiline,
        max_length=TEXT_LIMIT,
        initial=initial,
        placeholder=placeholder,
    )
    return input_block(field.value, label, element, optional=optional)


def _select(
    field: EscalationField, placeholder: str, options: list[Block], chosen: str | None
) -> Block:
    return static_select(field.value, placeholder, options, chosen=chosen)


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
        "title": plain("Escalate to sponsor", VIEW_TITLE),
        "close": plain("Cancel", VIEW_TITLE),
        "private_metadata": metadata.dump(),
    }
    if not accounts:
        base["close"] = plain("Close", VIEW_TITLE)
        base["blocks"] = [
            section(
                "Only an account's SAM (or an admin) can escalate to its sponsor, and you are "
                "not the SAM of any account. Ask an admin to add you in the portfolio file."
            )
        ]
        return base
    shown = list(accounts)[:SELECT_OPTIONS]
    chosen = (
        prefill.account_id
        if prefill.account_id is not None
        else (shown[0].id if len(shown) == 1 else None)
    )
    account = _select(
        EscalationField.ACCOUNT,
        "Choose the account",
        [option(item.name, str(item.id)) for item in shown],
        None if chosen is None else str(chosen),
    )
    blocks: list[Block] = [input_block(EscalationField.ACCOUNT.value, "Account", account)]
    if len(accounts) > SELECT_OPTIONS:
        blocks.append(
            context(
                f"Showing {SELECT_OPTIONS} of {len(accounts)} accounts. For another one, use "
                "`/sponsor escalate <account> <severity> <summary>`."
            )
        )
    severity = _select(
        EscalationField.SEVERITY,
        "How urgent is it?",
        [
            option(_severity_option(item, ack_hours or {}), item.value)
            for item in reversed(list(Severity))
        ],
        prefill.severity.value if prefill.severity is not None else None,
    )
    blocks += [
        input_block(EscalationField.SEVERITY.value, "Severity", severity),
        _text(
            EscalationField.SUMMARY,
            "Summary",
            initial=prefill.summary,
            placeholder="One line the sponsor sees first",
        ),
        _text(
            EscalationField.DETAILS,
            "Details",
            initial=prefill.details,
            multiline=True,
            optional=True,
        ),
        _text(
            EscalationField.ASK,
            "What do you need from the sponsor?",
            initial=prefill.ask,
            multiline=True,
            optional=True,
            placeholder="A call with their CIO, a budget decision, a contract exception…",
        ),
        input_block(
            EscalationField.DUE_BY.value,
            "Needed by",
            {"type": "datepicker", "action_id": EscalationField.DUE_BY.value},
            optional=True,
        ),
    ]
    if metadata.permalink:
        blocks.append(context(f":link: From <{metadata.permalink}|this message>"))
    return base | {"submit": plain("Escalate", VIEW_TITLE), "blocks": blocks}


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
    """The escalation modal's `state.values`, flattened for `service.raise_escalation`."""

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
    chosen = _value(values, field).get("selected_option")
    if isinstance(chosen, Mapping) and isinstance(chosen.get("value"), str):
        return str(chosen["value"])
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
            mapped.setdefault(block.value, said(message))
        return mapped
    return {fallback.value: said(error.line)}


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
        blocks.append(section(f"*{code}*: {clip_escaped(summary, 500)}"))
    blocks.append(
        input_block(
            EscalationField.NOTE.value,
            "How was it resolved?",
            text_input(EscalationField.NOTE.value, multiline=True, max_length=TEXT_LIMIT),
            hint="The SAM and the account channel will see this note.",
        )
    )
    return {
        "type": "modal",
        "callback_id": EscalationCallback.RESOLVE.value,
        "title": plain(f"Resolve {code}", VIEW_TITLE),
        "submit": plain("Resolve", VIEW_TITLE),
        "close": plain("Cancel", VIEW_TITLE),
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
