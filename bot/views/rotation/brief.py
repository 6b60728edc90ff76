"""The handover brief: one DM with what the incoming sponsor takes over. It reuses the
scorecard card, the escalation list's lines and the register's risk lines, and stays one
readable message (about 15 blocks, each section within Slack's 3,000 characters)."""

from __future__ import annotations

from datetime import datetime

from bot.render import Payload
from bot.views.escalations.lists import list_line
from bot.views.kit import Block, clip_escaped, context, day, escape, header, mention, section
from bot.views.risks.lists import risk_text
from bot.views.scorecard.cards import card_blocks
from bot.views.scorecard.common import lines_within
from engagement.checkins.schedule import zone
from engagement.escalations.cards import Who
from engagement.models import Role
from engagement.rotation.brief import HandoverBrief, Side

LIST = 2900
"""Characters of escalations or of risks in the brief (a section takes 3,000 with its
heading): the rest are counted, `/sponsor escalations` and `/sponsor risks` list them."""
BARS = "▁▂▃▄▅▆▇█"


def sparkline(scores: list[int | None]) -> str:
    """One character a week, low to high (0–100); a week with no score is a dot."""
    return "".join("·" if s is None else BARS[min(len(BARS) - 1, s * len(BARS) // 101)]
                   for s in scores)  # fmt: skip


def local_time(at: datetime, timezone: str) -> str:
    """A time as the reader's clock shows it: "Mon 30 Nov 2026 at 09:00"."""
    local = at.astimezone(zone(timezone))
    return f"{day(local.date())} at {local:%H:%M}"


def _who(person: Who) -> str:
    return mention(person.user_id, person.name)


def _trend(scores: list[int | None]) -> str:
    known = [score for score in scores if score is not None]
    if not known:
        return f"*{len(scores)}-week trend* No overall score yet."
    move = f"{known[0]} → {known[-1]}" if len(known) > 1 else f"{known[-1]}"
    return f"*{len(scores)}-week trend* `{sparkline(scores)}` {move} (oldest week first)"


def _side(side: Side) -> str:
    who = "Sponsor side" if side.role == Role.SPONSOR else "SAM side"
    figures = [f"{side.answered} of {side.settled} check-ins answered"]
    if side.answered:
        figures.append(f"alignment meetings held {side.meetings_held}")
        figures += [f"{label.lower()} {value:.1f}" for label, value in side.means.items()]
    return f"*{who}*: " + " · ".join(figures)


def brief_message(message: HandoverBrief) -> Payload:
    account = escape(message.account)
    sams = ", ".join(_who(sam) for sam in message.sams) or "nobody yet"
    when = (
        f"Your next check-in: *{local_time(message.next_checkin, message.timezone)}* your time "
        f"({escape(message.timezone)})."
        if message.next_checkin
        else "No check-in is planned for you in the next ten weeks."
    )
    blocks: list[Block] = [
        header(f"Handover brief: {message.account}"),
        section(
            f":wave: You are now an executive sponsor of *{account}*, taking over from "
            f"{_who(message.outgoing)} on {day(message.rotated_on)}. The SAM: {sams}.\n{when}"
        ),
        *card_blocks(message.card),
        section(_trend(message.trend)),
    ]
    escalations = [list_line(item) for item in message.escalations]
    more = f"more: `/sponsor escalations {account}`"
    blocks.append(
        section("*Open escalations*\n" + (lines_within(escalations, LIST, more) or "None open."))
    )
    if message.risks:
        risks = [risk_text(line, with_account=False) for line in message.risks]
        more = f"more: `/sponsor risks {account}`"
        blocks.append(section("*Open risks, highest first*\n" + lines_within(risks, LIST, more)))
    blocks.append(
        section("*Check-ins, last 8 weeks*\n" + "\n".join(_side(side) for side in message.sides))
    )
    highlights = [
        f"• {clip_escaped(item.text, 400)} — {_who(item.by)}, {day(item.on)}"
        for item in message.highlights
    ]
    blocks.append(
        section(
            "*Advocacy highlights*\n"
            + ("\n".join(highlights) or "_None logged in the last 8 weeks._")
        )
    )
    outgoing = _who(message.outgoing)
    if message.note:
        blocks.append(
            section(f"*Handover note from {outgoing}*\n{clip_escaped(message.note, 2800)}")
        )
    else:
        blocks.append(context(f"{outgoing} has been asked for a handover note: it appears here."))
    return {"text": f"Handover brief: you are now a sponsor of {message.account}", "blocks": blocks}
