"""The one line a person gets after a check-in command that has no DM to update."""

from __future__ import annotations

from datetime import date

from bot.views.checkins.common import FREE_TEXT, day
from bot.views.kit import clip_escaped, escape


def recorded_text(account_name: str, revision: int) -> str:
    """Said when an answer has no DM to update (an ad-hoc check-in)."""
    edited = f" (revision {revision}; the earlier one is kept)" if revision > 1 else ""
    return f":white_check_mark: Recorded your check-in for *{escape(account_name)}*{edited}."


def logged_text(account_name: str, text: str) -> str:
    return (
        f"Logged an advocacy action for *{escape(account_name)}*: {clip_escaped(text, FREE_TEXT)}"
    )


def paused_text(until: date) -> str:
    return (
        f"Check-ins paused until {day(until)}: they come back that day, and nothing missed "
        "is sent afterwards. `/sponsor resume` ends the pause sooner."
    )


RESUMED_TEXT = "Check-ins resumed: the next ones arrive on their usual schedule."
