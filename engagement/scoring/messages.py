"""What the scorecard feature says in Slack, as plain data (see `bot/views/scorecard.py`)."""

from __future__ import annotations

import enum

from pydantic import BaseModel, ConfigDict

from engagement.notify import Message
from engagement.scoring.scorecard import Status, Trend


class Data(BaseModel):
    model_config = ConfigDict(frozen=True)


class KpiBrief(Data):
    """A KPI as the digest shows it: label, status and trend."""

    label: str
    status: Status | None
    trend: Trend


class KpiItem(KpiBrief):
    """A KPI as the card shows it: with target, actual and weight."""

    key: str
    unit: str
    target: float
    red_below: float | None
    red_above: float | None
    actual: float | None
    before: float | None
    weight: float
    weighted: float | None


class AccountSummary(Data):
    """One account's line in a digest (and the head of its card)."""

    account_id: int
    name: str
    score: int | None
    status: Status | None
    trend: Trend
    kpis: list[KpiBrief]
    response_rate: float | None
    open_escalations: int
    advocacy_actions: int
    attention: list[str]
    """Why it needs attention ("2 KPIs red", "score falling", "check-ins unanswered")."""


class Indicator(Data):
    """A rated indicator on the card: the sponsor's self-view, the SAM's view, combined."""

    label: str
    sponsor: float | None
    sam: float | None
    combined: float | None


class ScorecardCard(Data):
    """`/sponsor status` for one account."""

    summary: AccountSummary
    iso_week: str
    kpis: list[KpiItem]
    indicators: list[Indicator]
    renormalised: bool
    """Some KPIs have no data yet: left out, the other weights scaled up to 100."""
    checkin_regularity: float | None
    hours_to_acknowledge: float | None


class ScorecardCards(Message):
    """The reply to `/sponsor status [account]` (ephemeral), or a digest's Details."""

    cards: list[ScorecardCard]
    empty_reason: str = ""


class StatusCounts(Data):
    green: int = 0
    amber: int = 0
    red: int = 0
    no_data: int = 0


class Highlight(Data):
    """An advocacy action logged this week."""

    account: str
    who: str
    """mrkdwn: a mention, or the person's name escaped (`engagement.mrkdwn`)."""
    text: str


class Digest(Message):
    """The weekly digest's first message in a channel (or a private preview)."""

    channel: str
    iso_week: str
    preview: bool
    total_accounts: int
    totals: StatusCounts
    attention_total: int
    attention: list[AccountSummary]
    """Accounts needing attention, on this message (worst first)."""
    others: list[AccountSummary]
    highlights: list[Highlight]
    parts: int
    """How many messages the whole digest takes (this one included)."""


class DigestContinuation(Message):
    """More accounts of the same digest, posted in its thread."""

    channel: str
    iso_week: str
    part: int
    parts: int
    attention: list[AccountSummary]
    others: list[AccountSummary]


class AlertCondition(enum.StrEnum):
    KPI_RED = "kpi_red"
    INDICATOR_FALLING = "indicator_falling"
    MISSED_CHECKINS = "missed_checkins"
    PERCEPTION_GAP = "perception_gap"


class IndicatorAlert(Message):
    """A leading indicator went wrong: what changed, from what to what, and what to do."""

    account_id: int
    account_name: str
    condition: AlertCondition
    iso_week: str
    title: str
    before: str
    after: str
    detail: str
    """mrkdwn, like `what_to_do`: a name in either is escaped (`engagement.mrkdwn`); the
    other texts are plain, and escaped where they are shown."""
    what_to_do: str
    sam_user_id: str | None
    direct: bool = False
    """True for the copy DM'ed to the SAM."""


class HomeScore(Data):
    """An account's latest score for App Home."""

    account_id: int
    name: str
    score: int | None
    status: Status | None
    trend: Trend
    red_kpis: list[str]
