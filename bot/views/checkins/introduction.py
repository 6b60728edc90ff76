"""The introduction DM before a person's first check-in."""

from __future__ import annotations

from bot.render import Payload
from bot.views.checkins.common import day
from bot.views.kit import MESSAGE_BLOCKS, clip, context, escape, fit, section
from engagement.checkins.messages import IntroducedAccount, Introduction
from engagement.models import Cadence, Role

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ROLES = {Role.SPONSOR: "executive sponsor", Role.SAM: "strategic account manager (SAM)"}


def cadence_text(account: IntroducedAccount) -> str:
    """ "every Monday at 09:00", "every other Monday …", "the first Monday of each month …"."""
    weekday, at = WEEKDAYS[account.weekday], account.at.strftime("%H:%M")
    if account.cadence == Cadence.BIWEEKLY:
        return f"every other {weekday} at {at}"
    if account.cadence == Cadence.MONTHLY:
        return f"the first {weekday} of each month at {at}"
    return f"every {weekday} at {at}"


def introduction_message(message: Introduction) -> Payload:
    """Who Sherpa is, the accounts and roles, what it asks and when, and how to pause."""
    hello = (
        "Hello! I'm *Sherpa*. I help your company keep "
        "executive sponsorship of its strategic accounts on track: a short check-in "
        "with each sponsor and SAM, and a weekly scorecard for the account teams."
    )
    lines = [
        f"• *{escape(account.name)}*: {ROLES[account.role]}, check-in {cadence_text(account)}"
        for account in message.accounts
    ]
    roles = "Your admins added you to Sherpa:\n" + "\n".join(lines)
    first = message.first_checkin
    sponsor = any(account.role == Role.SPONSOR for account in message.accounts)
    asks = (
        "Each check-in asks you to rate the sponsorship (engagement, alignment, advocacy, "
        "role balance) and how many stakeholders you met, "
        + ("with one question for the account's phase and " if sponsor else "with ")
        + "an optional note: under a "
        "minute per account, and only you see it. Times are in your own time zone"
        + (
            ", moved to the next working day on weekends and public holidays."
            if message.working_days
            else "."
        )
    )
    when = (
        f"Your first check-in comes *{day(first)} at {first:%H:%M}* your time "
        f"({escape(message.timezone)})."
    )
    pause = (
        "Away? `/sponsor pause YYYY-MM-DD` pauses your check-ins until that date, and a "
        "Slack status such as :palm_tree: Vacationing or :face_with_thermometer: Out sick "
        "pauses them while it lasts. `/sponsor help` lists everything; Sherpa's Home tab "
        "shows your check-ins."
    )
    head = [
        section(hello, block_id="intro_hello"),
        section(roles, block_id="intro_roles"),
        section(f"{asks}\n{when}", block_id="intro_when"),
        context(pause, block_id="intro_pause"),
    ]
    text = f"Hello from Sherpa: your first check-in comes {day(first)} at {first:%H:%M}"
    return {"text": escape(clip(text, 3000)), "blocks": fit(head, [], MESSAGE_BLOCKS, "")}
