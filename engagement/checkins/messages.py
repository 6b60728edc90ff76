"""What check-ins say in Slack, as plain data: the DM (in every state) and the nudge.

A DM lists every check-in a person has that day, one item per account; when one is
answered, skipped, postponed or expires, the same DM is rebuilt with the items' new
states and `Notifier.update`d, so a multi-account DM stays one message.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from pydantic import BaseModel, ConfigDict

from engagement.models import Role
from engagement.notify import Message


class ItemStatus(enum.StrEnum):
    PENDING = "pending"  # answer, skip or postpone
    ANSWERED = "answered"  # "Recorded", a summary and an Edit button
    SKIPPED = "skipped"
    POSTPONED = "postponed"  # "Remind me tomorrow": shows when
    EXPIRED = "expired"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Rating(Frozen):
    key: str  # an `engagement.indicators.RATED` key
    label: str
    value: int


class AnswerSummary(Frozen):
    """The latest revision of an answer, for "Recorded" states and App Home."""

    revision: int
    ratings: tuple[Rating, ...]
    role_direction: str | None
    alignment_meeting_held: bool
    stakeholders_met: int
    advocacy: str
    note: str
    submitted_at: datetime
    phase: str | None = None
    """The phase whose question the sponsor answered (an `engagement.models.Phase` value)."""
    phase_check: bool | None = None


class CheckinItem(Frozen):
    """One account's check-in within a DM, a nudge or App Home."""

    checkin_id: int
    account_name: str
    role: Role
    period_start: date
    status: ItemStatus
    answer: AnswerSummary | None = None
    remind_at: datetime | None = None  # UTC; when postponed, when it comes back
    expires_at: datetime | None = None  # UTC; unanswered after this it counts as missed
    closed_at: datetime | None = None  # UTC; when it was answered, skipped or expired


class CheckinPrompt(Message):
    """The check-in DM to `user_id`, as first posted and as updated later."""

    user_id: str
    recipient_name: str
    day: date
    items: tuple[CheckinItem, ...]
    planned_day: date | None = None  # the cadence's day, when that was a day off
    day_off: str = ""  # what made it one: a public holiday's name, or "the weekend"


class CheckinNudge(Message):
    """The one reminder for check-ins left unanswered (a new DM, so it notifies), as first
    posted and as updated when they are answered, skipped, postponed or expire."""

    user_id: str
    recipient_name: str
    items: tuple[CheckinItem, ...]


class IntroducedAccount(Frozen):
    """One account the introduction names, with the person's role and its cadence."""

    name: str
    role: Role
    cadence: str  # an `engagement.models.Cadence` value
    weekday: int  # 0 is Monday
    at: time  # local time in the recipient's zone


class Introduction(Message):
    """The one DM before a person's first check-in: who Sherpa is and what comes when."""

    user_id: str
    accounts: tuple[IntroducedAccount, ...]
    first_checkin: datetime  # in the recipient's own zone
    timezone: str
    working_days: bool  # check-ins move off weekends and public holidays
