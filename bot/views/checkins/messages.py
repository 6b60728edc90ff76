"""The check-in DM, in every state of each of its accounts, and the one nudge."""

from __future__ import annotations

from datetime import datetime

from bot.render import Payload
from bot.views.checkins.common import DIRECTIONS, FREE_TEXT, SHORT, ActionId, day
from bot.views.kit import (
    MESSAGE_BLOCKS,
    Block,
    actions,
    button,
    clip,
    clip_escaped,
    date_token,
    escape,
    fit,
    section,
)
from bot.views.phases import phase_fact
from engagement.checkins.messages import (
    AnswerSummary,
    CheckinItem,
    CheckinNudge,
    CheckinPrompt,
    ItemStatus,
)
from engagement.models import Role, RoleDirection

MORE_IN_HOME = "…and {n} more. Answer them from Sherpa's Home tab."


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
        phase_fact(answer.phase, answer.phase_check),
    ]
    lines = [ratings, " · ".join(fact for fact in facts if fact)]
    if answer.advocacy:
        lines.append(f"Advocacy: {clip_escaped(answer.advocacy, FREE_TEXT)}")
    if answer.note:
        lines.append(f"Note: {clip_escaped(answer.note, FREE_TEXT)}")
    return "\n".join(lines)


def item_blocks(item: CheckinItem, *, with_buttons: bool = True) -> list[Block]:
    """One account: a section (with its main button) and, while pending, its other buttons."""
    name = f"*{escape(item.account_name)}*"
    value = str(item.checkin_id)
    accessory: Block | None = None
    extra: list[Block] = []
    if item.status is ItemStatus.PENDING:
        due = f" Answer by {date_token(item.expires_at)}." if item.expires_at else ""
        text = f"{name} — {_role_line(item)}.{due}"
        accessory = button("Answer", ActionId.ANSWER, value, style="primary")
        extra.append(
            actions(
                button("Skip this one", ActionId.SKIP, value),
                button("Remind me tomorrow", ActionId.REMIND, value),
                block_id=f"checkin_more:{item.checkin_id}",
            )
        )
    elif item.status is ItemStatus.ANSWERED and item.answer is not None:
        answer = item.answer
        edited = f", edited (revision {answer.revision})" if answer.revision > 1 else ""
        text = f":white_check_mark: {name} — Recorded{edited}.\n{summary_text(answer)}"
        accessory = button("Edit", ActionId.EDIT, value)
    elif item.status is ItemStatus.POSTPONED:
        when = date_token(item.remind_at) if item.remind_at else "tomorrow"
        text = f":alarm_clock: {name} — I'll remind you {when}."
        accessory = button("Answer now", ActionId.ANSWER, value)
    elif item.status is ItemStatus.SKIPPED:
        text = f":next_track_button: {name} — Skipped this one (not counted as missed)."
        accessory = button("Answer anyway", ActionId.ANSWER, value)
    else:
        text = f":hourglass: {name} — Expired unanswered; it counts as missed."
    block = section(
        text,
        block_id=f"checkin:{item.checkin_id}",
        accessory=accessory if with_buttons else None,
    )
    return [block, *(extra if with_buttons else [])]


def prompt_message(message: CheckinPrompt) -> Payload:
    """The check-in DM: one section per account, in whatever state each one is."""
    names = ", ".join(item.account_name for item in message.items)
    pending = sum(1 for item in message.items if item.status is ItemStatus.PENDING)
    when = day(message.day)
    if message.planned_day:
        when += f", moved from {day(message.planned_day)}: {escape(message.day_off)}"
    intro = (
        f"Time for your check-in ({when}). "
        "Under a minute per account; only you can see and answer it."
        if pending
        else f"Your check-in of {when}."
    )
    head = [section(intro, block_id="checkin_intro")]
    parts = [item_blocks(item) for item in message.items]
    blocks = fit(head, parts, MESSAGE_BLOCKS, MORE_IN_HOME)
    return {"text": escape(clip(f"Sponsor check-in: {names}", 3000)), "blocks": blocks}


def _settled(item: CheckinItem) -> str:
    """A reminder's line for a check-in with nothing left to do there: one short sentence."""
    name = f"*{escape(item.account_name)}*"
    if item.status is ItemStatus.ANSWERED:
        when = f" on {_on(item.closed_at)}" if item.closed_at else ""
        return f":white_check_mark: {name} — Answered{when} — thank you."
    if item.status is ItemStatus.SKIPPED:
        return f":next_track_button: {name} — Skipped."
    if item.status is ItemStatus.POSTPONED:
        when = date_token(item.remind_at) if item.remind_at else "tomorrow"
        return f":alarm_clock: {name} — Postponed: it comes back {when}."
    when = f" on {_on(item.closed_at)}" if item.closed_at else ""
    return f":hourglass: {name} — This check-in closed{when}, unanswered."


def _on(at: datetime) -> str:
    """A day in the reader's own zone, "Nov 3, 2026" (the fallback "Tue 3 Nov", in UTC)."""
    return date_token(at, style="{date_short}", fallback=f"%a {at.day} %b")


def nudge_message(message: CheckinNudge) -> Payload:
    """The reminder: each pending check-in with its buttons; once one is answered, skipped,
    postponed or expired, one short line for it and no buttons."""
    names = ", ".join(item.account_name for item in message.items)
    pending = [item for item in message.items if item.status is ItemStatus.PENDING]
    head: list[Block] = []
    if pending:
        intro = (
            "A reminder: your check-in is still open. It takes under a minute, "
            "and this is the only reminder."
        )
        head.append(section(intro, block_id="checkin_nudge"))
    parts = [
        item_blocks(item)
        if item.status is ItemStatus.PENDING
        else [section(_settled(item), block_id=f"checkin:{item.checkin_id}")]
        for item in message.items
    ]
    blocks = fit(head, parts, MESSAGE_BLOCKS, MORE_IN_HOME)
    state = "open" if pending else "settled"
    text = escape(clip(f"Reminder: check-in {state} for {names}", 3000))
    return {"text": text, "blocks": blocks}
