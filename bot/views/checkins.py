"""Block Kit for check-ins: the DM and its states, the nudge, the answer modal, App Home.

Pure functions of plain data. Every button's `value` is the check-in ID; the listener
passes it, with the acting user, to the domain, which refuses anyone but the recipient.

Listeners to wire (IDs below):
- actions `ActionId.ANSWER` / `ActionId.EDIT` → `checkin_form(...)` →
  `views.open(view=answer_modal(form))`
- action `ActionId.SKIP` → `skip(...)` → `chat.update` with the returned DM
- action `ActionId.REMIND` → `remind_tomorrow(...)` → `chat.update` with `.dm`
- action `ActionId.RESUME` → `resume(...)` → republish `home_view(home(...))`
- view submission `CALLBACK_ID` → `record_answer(..., form=form_input(values),
  request_key=view["id"])`; on `FormInvalid` ack `{"response_action": "errors",
  "errors": modal_errors(error.field_errors)}`; after commit, `chat.update` with `.dm`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.payloads import RowId
from bot.render import Payload
from bot.views.blocks import clip
from engagement.checkins.answers import CheckinForm
from engagement.checkins.form import STAKEHOLDERS_LIMIT, TEXT_LIMIT, AnswerForm
from engagement.checkins.home import Home
from engagement.checkins.messages import (
    AnswerSummary,
    CheckinItem,
    CheckinNudge,
    CheckinPrompt,
    ItemStatus,
)
from engagement.indicators import RATED
from engagement.models import Role, RoleDirection
from engagement.mrkdwn import escape

MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
HOME_BLOCKS = 100
SECTION_TEXT = 3000
BUTTON_TEXT = 75
OPTION_TEXT = 75
LABEL_TEXT = 2000
CALLBACK_ID = "checkin_answer"


class ActionId(enum.StrEnum):
    ANSWER = "checkin_answer"  # value: check-in ID; opens the answer modal
    EDIT = "checkin_edit"  # value: check-in ID; opens the modal prefilled with the latest
    SKIP = "checkin_skip"  # value: check-in ID
    REMIND = "checkin_remind"  # value: check-in ID
    RESUME = "checkin_resume"  # App Home: end my pause


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


# --- wording --------------------------------------------------------------------------

ANCHORS: dict[str, tuple[str, str]] = {
    "stakeholder_engagement": ("no contact with key stakeholders", "met them and moved things on"),
    "strategic_alignment": ("plan and goals pull apart", "fully aligned, and agreed"),
    "internal_advocacy": ("nothing secured or unblocked", "secured what the team needed"),
    "regular_checkins": ("no alignment meetings", "every meeting, on cadence"),
    "role_balance": ("absent, or took over", "backed the SAM, who stayed in the lead"),
}
"""What 1 and 5 mean for each rated indicator."""

QUESTIONS: dict[str, tuple[str, str]] = {
    "stakeholder_engagement": (
        "How engaged were you with the customer's key stakeholders?",
        "How engaged was {who} with the customer's key stakeholders?",
    ),
    "strategic_alignment": (
        "How well is the account plan aligned with our corporate goals?",
        "How well did {who} keep the account plan aligned with corporate goals?",
    ),
    "internal_advocacy": (
        "How much did you secure resources or remove obstacles for the account?",
        "How much did {who} secure resources or remove obstacles for the account?",
    ),
    "regular_checkins": (
        "How regular were your alignment meetings with the SAM?",
        "How regular were your alignment meetings with {who}?",
    ),
    "role_balance": (
        "How well did you support the SAM without taking over?",
        "How well did {who} support you without taking over?",
    ),
    "role_direction": ("Which way did you lean?", "Which way did {who} lean?"),
    "advocacy": (
        "Advocacy actions: what did you do for the account inside our company?",
        "Advocacy actions: what did {who} do for the account inside our company?",
    ),
}
"""(sponsor's wording, SAM's wording): the sponsor rates themself, the SAM the sponsor."""

DIRECTIONS = {
    RoleDirection.STEPPED_BACK: "Stepped back",
    RoleDirection.BALANCED: "Balanced",
    RoleDirection.TOOK_OVER: "Took over",
}
SHORT = {
    "stakeholder_engagement": "Stakeholders",
    "strategic_alignment": "Alignment",
    "internal_advocacy": "Advocacy",
    "regular_checkins": "Check-ins",
    "role_balance": "Role balance",
}


def _question(field: str, role: Role, sponsors: Sequence[str]) -> str:
    mine, theirs = QUESTIONS[field]
    if role == Role.SPONSOR:
        return mine
    return theirs.format(who=_who(sponsors))


def _who(sponsors: Sequence[str]) -> str:
    if not sponsors:
        return "the sponsor"
    if len(sponsors) == 1:
        return clip(sponsors[0], 80)
    if len(sponsors) == 2:
        return clip(f"{sponsors[0]} and {sponsors[1]}", 120)
    return "the sponsors"


# --- small helpers --------------------------------------------------------------------


def _plain(text: str, limit: int = BUTTON_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_TEXT)}


def _when(instant: datetime, style: str = "{date_short_pretty} at {time}") -> str:
    """A time Slack shows in each reader's own zone (UTC text as fallback)."""
    fallback = instant.strftime("%a %d %b %H:%M UTC")
    return f"<!date^{int(instant.timestamp())}^{style}|{fallback}>"


def _day(day: date) -> str:
    return day.strftime("%a %d %b")


def _button(text: str, action: ActionId, value: int, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": _plain(text),
        "action_id": action.value,
        "value": str(value),
    }
    if style:
        button["style"] = style
    return button


def _role_line(item: CheckinItem) -> str:
    if item.role == Role.SPONSOR:
        return "as sponsor: rate your own engagement"
    return "as SAM: rate the sponsor's engagement"


def summary_text(answer: AnswerSummary) -> str:
    """One compact line of ratings, then the facts, then advocacy and note (clipped)."""
    ratings = " · ".join(f"{SHORT.get(r.key, r.label)} {r.value}" for r in answer.ratings)
    direction = (
        DIRECTIONS.get(RoleDirection(answer.role_direction), "") if answer.role_direction else ""
    )
    facts = [
        f"role: {direction.lower()}" if direction else "",
        f"alignment meeting: {'yes' if answer.alignment_meeting_held else 'no'}",
        f"stakeholders met: {answer.stakeholders_met}",
    ]
    lines = [ratings, " · ".join(fact for fact in facts if fact)]
    if answer.advocacy:
        lines.append(f"Advocacy: {clip(escape(answer.advocacy), 600)}")
    if answer.note:
        lines.append(f"Note: {clip(escape(answer.note), 600)}")
    return "\n".join(lines)


def _item_blocks(item: CheckinItem, *, with_buttons: bool = True) -> list[dict[str, Any]]:
    """One account: a section (with its main button) and, while pending, its other buttons."""
    name = f"*{escape(item.account_name)}*"
    block_id = f"checkin:{item.checkin_id}"
    accessory: dict[str, Any] | None = None
    extra: list[dict[str, Any]] = []
    if item.status is ItemStatus.PENDING:
        due = f" Answer by {_when(item.expires_at)}." if item.expires_at else ""
        text = f"{name} — {_role_line(item)}.{due}"
        accessory = _button("Answer", ActionId.ANSWER, item.checkin_id, "primary")
        extra.append({
            "type": "actions",
            "block_id": f"checkin_more:{item.checkin_id}",
            "elements": [
                _button("Skip this one", ActionId.SKIP, item.checkin_id),
                _button("Remind me tomorrow", ActionId.REMIND, item.checkin_id),
            ],
        })  # fmt: skip
    elif item.status is ItemStatus.ANSWERED and item.answer is not None:
        answer = item.answer
        edited = f", edited (revision {answer.revision})" if answer.revision > 1 else ""
        text = f":white_check_mark: {name} — Recorded{edited}.\n{summary_text(answer)}"
        accessory = _button("Edit", ActionId.EDIT, item.checkin_id)
    elif item.status is ItemStatus.POSTPONED:
        when = _when(item.remind_at) if item.remind_at else "tomorrow"
        text = f":alarm_clock: {name} — I'll remind you {when}."
        accessory = _button("Answer now", ActionId.ANSWER, item.checkin_id)
    elif item.status is ItemStatus.SKIPPED:
        text = f":next_track_button: {name} — Skipped this one (not counted as missed)."
        accessory = _button("Answer anyway", ActionId.ANSWER, item.checkin_id)
    else:
        text = f":hourglass: {name} — Expired unanswered; it counts as missed."
    section: dict[str, Any] = {"type": "section", "block_id": block_id, "text": _mrkdwn(text)}
    if accessory is not None and with_buttons:
        section["accessory"] = accessory
    return [section, *(extra if with_buttons else [])]


def _fit(
    head: list[dict[str, Any]], parts: Sequence[list[dict[str, Any]]], limit: int, more: str
) -> list[dict[str, Any]]:
    """Head blocks, then whole parts while they fit, then "…and N more" if some did not."""
    blocks = list(head)
    for index, part in enumerate(parts):
        left = len(parts) - index
        if len(blocks) + len(part) > limit - (1 if left > 1 else 0):
            blocks.append({
                "type": "context",
                "elements": [_mrkdwn(f"…and {left} more. {more}")],
            })  # fmt: skip
            break
        blocks.extend(part)
    return blocks


# --- messages -------------------------------------------------------------------------


def prompt_message(message: CheckinPrompt) -> Payload:
    """The check-in DM: one section per account, in whatever state each one is."""
    names = ", ".join(item.account_name for item in message.items)
    pending = sum(1 for item in message.items if item.status is ItemStatus.PENDING)
    intro = (
        f"Time for your check-in ({_day(message.day)}). "
        "Under a minute per account; only you can see and answer it."
        if pending
        else f"Your check-in of {_day(message.day)}."
    )
    head = [{"type": "section", "block_id": "checkin_intro", "text": _mrkdwn(intro)}]
    parts = [_item_blocks(item) for item in message.items]
    blocks = _fit(head, parts, MESSAGE_BLOCKS, "Answer them from Sherpa's Home tab.")
    return {"text": escape(clip(f"Sponsor check-in: {names}", 3000)), "blocks": blocks}


def nudge_message(message: CheckinNudge) -> Payload:
    names = ", ".join(item.account_name for item in message.items)
    head = [{
        "type": "section",
        "block_id": "checkin_nudge",
        "text": _mrkdwn(
            "A reminder: your check-in is still open. It takes under a minute, "
            "and this is the only reminder."
        ),
    }]  # fmt: skip
    parts = [_item_blocks(item) for item in message.items]
    blocks = _fit(head, parts, MESSAGE_BLOCKS, "Answer them from Sherpa's Home tab.")
    return {"text": escape(clip(f"Reminder: check-in open for {names}", 3000)), "blocks": blocks}


# --- the answer modal -----------------------------------------------------------------


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": _plain(text, OPTION_TEXT), "value": value}


def _rating_options(field: str) -> list[dict[str, Any]]:
    low, high = ANCHORS[field]
    labels = {1: f"1 — {low}", 5: f"5 — {high}"}
    return [_option(labels.get(n, str(n)), str(n)) for n in range(1, 6)]


def _choice(
    block: BlockId, label: str, options: list[dict[str, Any]], initial: str | None
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": FIELD_ACTION,
        "options": options,
    }
    if initial is not None:
        element["initial_option"] = next(o for o in options if o["value"] == initial)
    return {
        "type": "input",
        "block_id": block.value,
        "label": _plain(label, LABEL_TEXT),
        "element": element,
    }


def _text_input(
    block: BlockId,
    label: str,
    initial: str,
    *,
    multiline: bool,
    max_length: int,
    placeholder: str,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": FIELD_ACTION,
        "multiline": multiline,
        "max_length": max_length,
        "placeholder": _plain(placeholder, 150),
    }
    if initial:
        element["initial_value"] = initial
    return {
        "type": "input",
        "block_id": block.value,
        "optional": True,
        "label": _plain(label, LABEL_TEXT),
        "element": element,
    }


def answer_modal(form: CheckinForm, *, from_home: bool = False) -> dict[str, Any]:
    """The check-in modal, worded for the recipient's role; an Edit starts from the latest."""
    latest: AnswerForm | None = form.latest
    values: dict[str, Any] = latest.values() if latest else {}
    who = _who(form.sponsor_names)
    intro = f"*{escape(form.account_name)}* — period starting {_day(form.period_start)}. " + (
        "Rate your own engagement as sponsor."
        if form.role == Role.SPONSOR
        else f"As SAM, rate {escape(who)}'s engagement as sponsor."
    )
    if form.revision:
        intro += (
            f"\nYou are editing your answer (revision {form.revision}); the earlier one is kept."
        )
    blocks: list[dict[str, Any]] = [
        {"type": "section", "block_id": "checkin_intro", "text": _mrkdwn(intro)}
    ]
    for field in RATED:
        initial = values.get(field)
        blocks.append(
            _choice(
                BlockId(field),
                _question(field, form.role, form.sponsor_names),
                _rating_options(field),
                None if initial is None else str(initial),
            )
        )
    direction = values.get("role_direction")
    blocks.append(
        _choice(
            BlockId.ROLE_DIRECTION,
            _question("role_direction", form.role, form.sponsor_names),
            [_option(text, value.value) for value, text in DIRECTIONS.items()],
            None if direction is None else str(direction),
        )
    )
    held = values.get("alignment_meeting_held")
    blocks.append(
        _choice(
            BlockId.ALIGNMENT_MEETING_HELD,
            "Alignment meeting since the last check-in?",
            [_option("Yes", "yes"), _option("No", "no")],
            None if held is None else ("yes" if held else "no"),
        )
    )
    met = values.get("stakeholders_met")
    blocks.append(
        _text_input(
            BlockId.STAKEHOLDERS_MET,
            "Customer stakeholders met",
            "" if met is None else str(met),
            multiline=False,
            max_length=5,
            placeholder=f"A number from 0 to {STAKEHOLDERS_LIMIT:,}",
        )
    )
    blocks.append(
        _text_input(
            BlockId.ADVOCACY,
            _question("advocacy", form.role, form.sponsor_names),
            str(values.get("advocacy") or ""),
            multiline=True,
            max_length=TEXT_LIMIT,
            placeholder="Resources secured, obstacles removed, introductions made…",
        )
    )
    blocks.append(
        _text_input(
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
        "title": _plain("Check-in", 24),
        "submit": _plain("Save edit" if form.revision else "Record", 24),
        "close": _plain("Cancel", 24),
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
        errors.setdefault(block, clip(message, 150))
    return errors


# --- App Home -------------------------------------------------------------------------


def home_view(home: Home) -> dict[str, Any]:
    """The check-in part of App Home as a whole view (see `home_blocks`)."""
    return {"type": "home", "blocks": home_blocks(home)}


def home_blocks(home: Home, limit: int = HOME_BLOCKS) -> list[dict[str, Any]]:
    """The check-in section of App Home in at most `limit` blocks: pause, pending, accounts."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "block_id": "checkin_header", "text": _plain("Check-ins", 150)}
    ]
    if not home.known:
        blocks.append({
            "type": "section",
            "block_id": "checkin_unknown",
            "text": _mrkdwn(
                "You are not a sponsor or SAM of any account yet, so there is nothing to "
                "check in on. An admin adds people with `sherpa import`."
            ),
        })  # fmt: skip
        return blocks
    if home.paused_until is not None:
        blocks.append({
            "type": "section",
            "block_id": "checkin_paused",
            "text": _mrkdwn(
                f":double_vertical_bar: Check-ins paused until {_day(home.paused_until)} "
                "(they come back that day; nothing missed is sent afterwards)."
            ),
            "accessory": {
                "type": "button",
                "text": _plain("Resume now"),
                "action_id": ActionId.RESUME.value,
                "value": "resume",
            },
        })  # fmt: skip
    if home.pending:
        blocks.append({
            "type": "section",
            "block_id": "checkin_pending",
            "text": _mrkdwn(f"*Waiting for your answer* ({len(home.pending)})"),
        })  # fmt: skip
    else:
        blocks.append({
            "type": "section",
            "block_id": "checkin_pending",
            "text": _mrkdwn("No check-in is waiting for you. `/sponsor checkin` answers one now."),
        })  # fmt: skip
    account_blocks = _account_blocks(home, max(3, limit // 5))
    room = limit - len(account_blocks) - 1
    parts = [_item_blocks(item) for item in home.pending]
    blocks = _fit(blocks, parts, room, "Answer the first ones, then reopen Home.")
    blocks.append({"type": "divider"})
    blocks.extend(account_blocks)
    return blocks


def _account_blocks(home: Home, most: int = 22) -> list[dict[str, Any]]:
    """The "My accounts" list in at most `most` blocks (at least 3)."""
    lines = []
    for account in home.accounts:
        roles = " and ".join("SAM" if role == Role.SAM else "sponsor" for role in account.roles)
        last = (
            f"last answered {_when(account.last_answered, '{date_short_pretty}')}"
            if account.last_answered
            else "not answered yet"
        )
        lines.append(f"• *{escape(account.name)}* ({roles}) — {last}")
    if not lines:
        lines.append("You have no current accounts.")
    blocks: list[dict[str, Any]] = [
        {"type": "section", "block_id": "checkin_accounts", "text": _mrkdwn("*My accounts*")}
    ]
    chunk = ""
    shown = 0
    for line in lines:
        if len(chunk) + len(line) + 1 > SECTION_TEXT:
            if len(blocks) >= most - 2:
                break
            blocks.append({"type": "section", "text": _mrkdwn(chunk)})
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
        shown += 1
    if chunk:
        blocks.append({"type": "section", "text": _mrkdwn(chunk)})
    if shown < len(lines):
        blocks.append({
            "type": "context",
            "elements": [_mrkdwn(f"…and {len(lines) - shown} more accounts.")],
        })  # fmt: skip
    return blocks


# --- one-line replies -----------------------------------------------------------------


def recorded_text(account_name: str, revision: int) -> str:
    """Said when an answer has no DM to update (an ad-hoc check-in)."""
    edited = f" (revision {revision}; the earlier one is kept)" if revision > 1 else ""
    return f":white_check_mark: Recorded your check-in for *{escape(account_name)}*{edited}."


def logged_text(account_name: str, text: str) -> str:
    return f"Logged an advocacy action for *{escape(account_name)}*: {clip(escape(text), 600)}"


def paused_text(until: date) -> str:
    return (
        f"Check-ins paused until {_day(until)}: they come back that day, and nothing missed "
        "is sent afterwards. `/sponsor resume` ends the pause sooner."
    )


RESUMED_TEXT = "Check-ins resumed: the next ones arrive on their usual schedule."
