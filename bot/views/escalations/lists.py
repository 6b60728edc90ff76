"""Escalations listed: the `/sponsor escalations [account]` reply and App Home's section."""

from __future__ import annotations

from bot.render import Payload
from bot.views.escalations.common import (
    EscalationAction,
    age_text,
    people,
    severity_label,
    who,
)
from bot.views.escalations.messages import sponsor_elements
from bot.views.kit import (
    Block,
    actions,
    button,
    clip,
    clip_escaped,
    confirmation,
    context,
    escape,
    header,
    section,
)
from engagement.escalations.listing import Listed, Listing
from engagement.models import EscalationState

LIST_MAX = 40
"""Escalations shown in one `/sponsor escalations` reply (2 blocks are kept for the frame)."""
HOME_MAX = 10


def list_line(item: Listed) -> str:
    card = item.escalation
    flags = " · :alarm_clock: *overdue*" if item.overdue else ""
    state = "acknowledged" if card.state is EscalationState.ACKNOWLEDGED else "open"
    return (
        f"*{card.code}* · {severity_label(card.severity)} · "
        f"{escape(clip(card.account_name, 100))} · {age_text(item.age)} old · {state}{flags}\n"
        f"{clip_escaped(card.summary, 300)}\n"
        f"_Raised by {who(card.raised_by)}; sponsors {people(card.sponsors)}_"
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
    blocks += [section(list_line(item)) for item in listing.items[:LIST_MAX]]
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
        actions(
            button("Escalate to sponsor", EscalationAction.NEW, "new"),
            block_id="escalation_home_new",
        ),
    ]
    if not listing.items:
        blocks.append(context("Nothing open that you raised or sponsor."))
        return blocks
    for item in listing.items[:HOME_MAX]:
        card = item.escalation
        blocks.append(section(list_line(item)))
        elements: list[Block] = []
        if any(sponsor.user_id == viewer for sponsor in card.sponsors):
            elements += sponsor_elements(card)
        if card.raised_by.user_id == viewer:
            elements.append(
                button(
                    "Cancel escalation",
                    EscalationAction.CANCEL,
                    str(card.id),
                    style="danger",
                    confirm=confirmation(
                        f"Cancel {card.code}?",
                        "The sponsors and the channel will see it was cancelled.",
                        yes="Cancel it",
                        no="Keep it",
                    ),
                )
            )
        if elements:
            blocks.append(actions(*elements, block_id=f"escalation_home_{card.id}"))
    if len(listing.items) > HOME_MAX:
        blocks.append(
            context(
                f"…and {len(listing.items) - HOME_MAX} more: `/sponsor escalations` lists them all."
            )
        )
    return blocks
