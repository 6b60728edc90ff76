"""The check-in section of App Home: the pause, the check-ins waiting, my accounts."""

from __future__ import annotations

from bot.views.checkins.common import ActionId, day
from bot.views.checkins.messages import item_blocks
from bot.views.kit import (
    PLACEHOLDER_TEXT,
    SECTION_TEXT,
    VIEW_BLOCKS,
    Block,
    actions,
    button,
    context,
    date_token,
    divider,
    escape,
    fit,
    header,
    plain,
    section,
)
from bot.views.phases import governance_name, phase_name
from engagement.checkins.home import Home
from engagement.models import Role


def home_view(home: Home) -> Block:
    """The check-in part of App Home as a whole view (see `home_blocks`)."""
    return {"type": "home", "blocks": home_blocks(home)}


def home_blocks(home: Home, limit: int = VIEW_BLOCKS) -> list[Block]:
    """The check-in section of App Home in at most `limit` blocks: pause, pending, accounts."""
    blocks: list[Block] = [header("Check-ins", block_id="checkin_header")]
    if not home.known:
        blocks.append(
            section(
                "You are not a sponsor or SAM of any account yet, so there is nothing to "
                "check in on. Ask one of Sherpa's admins to add you.",
                block_id="checkin_unknown",
            )
        )
        return blocks
    if home.paused_until is not None:
        blocks.append(
            section(
                f":double_vertical_bar: Check-ins paused until {day(home.paused_until)} "
                "(they come back that day; nothing missed is sent afterwards).",
                block_id="checkin_paused",
            )
        )
    blocks.append(_pause_controls(home))
    if home.pending:
        waiting = f"*Waiting for your answer* ({len(home.pending)})"
    else:
        waiting = "No check-in is waiting for you. `/sponsor checkin` answers one now."
    blocks.append(section(waiting, block_id="checkin_pending"))
    account_blocks = _account_blocks(home, max(3, limit // 5))
    room = limit - len(account_blocks) - 1
    parts = [item_blocks(item) for item in home.pending]
    blocks = fit(blocks, parts, room, "…and {n} more. Answer the first ones, then reopen Home.")
    return [*blocks, divider(), *account_blocks]


def _pause_controls(home: Home) -> Block:
    """*Pause until* a date picked (a new date changes a pause), and *Resume now* beside
    it while paused."""
    picker: Block = {
        "type": "datepicker",
        "action_id": ActionId.PAUSE,
        "placeholder": plain("Pause check-ins until…", PLACEHOLDER_TEXT),
    }
    if home.paused_until is not None:
        picker["initial_date"] = home.paused_until.isoformat()
        return actions(picker, button("Resume now", ActionId.RESUME, "resume"),
                       block_id="checkin_pause")  # fmt: skip
    return actions(picker, block_id="checkin_pause")


def _account_blocks(home: Home, most: int = 22) -> list[Block]:
    """The "My accounts" list in at most `most` blocks (at least 3)."""
    lines = []
    for account in home.accounts:
        roles = " and ".join("SAM" if role == Role.SAM else "sponsor" for role in account.roles)
        last = (
            f"last answered {date_token(account.last_answered, style='{date_short_pretty}')}"
            if account.last_answered
            else "not answered yet"
        )
        stage = " · ".join(
            name
            for name in (phase_name(account.phase), governance_name(account.governance))
            if name
        )
        stage = f" · {stage}" if stage else ""
        lines.append(f"• *{escape(account.name)}* ({roles}){stage} — {last}")
    if not lines:
        lines.append("You have no current accounts.")
    blocks: list[Block] = [section("*My accounts*", block_id="checkin_accounts")]
    chunk = ""
    shown = 0
    for line in lines:
        if len(chunk) + len(line) + 1 > SECTION_TEXT:
            if len(blocks) >= most - 2:
                break
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
        shown += 1
    if chunk:
        blocks.append(section(chunk))
    if shown < len(lines):
        blocks.append(context(f"…and {len(lines) - shown} more accounts."))
    return blocks
