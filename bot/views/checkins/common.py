"""What every check-in surface shares: the buttons' IDs and the wording of the questions."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date

from bot.views.kit import clip
from engagement.models import Role, RoleDirection

FREE_TEXT = 600
"""What someone typed (advocacy, a note), shown back in a message, is cut to this."""


class ActionId(enum.StrEnum):
    ANSWER = "checkin_answer"  # value: check-in ID; opens the answer modal
    EDIT = "checkin_edit"  # value: check-in ID; opens the modal prefilled with the latest
    SKIP = "checkin_skip"  # value: check-in ID
    REMIND = "checkin_remind"  # value: check-in ID
    RESUME = "checkin_resume"  # App Home: end my pause
    PAUSE = "checkin_pause"  # App Home: a date picker, pause until the date picked


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


def question(field: str, role: Role, sponsors: Sequence[str]) -> str:
    mine, theirs = QUESTIONS[field]
    if role == Role.SPONSOR:
        return mine
    return theirs.format(who=sponsor_names(sponsors))


def sponsor_names(sponsors: Sequence[str]) -> str:
    """The sponsors in a question, as plain text."""
    if not sponsors:
        return "the sponsor"
    if len(sponsors) == 1:
        return clip(sponsors[0], 80)
    if len(sponsors) == 2:
        return clip(f"{sponsors[0]} and {sponsors[1]}", 120)
    return "the sponsors"


def day(value: date) -> str:
    """A day as people write it in a DM: "Mon 2 Nov" (the year goes without saying)."""
    return f"{value:%a} {value.day} {value:%b}"
