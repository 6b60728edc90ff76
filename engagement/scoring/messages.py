"""What the scorecard feature says in Slack, as plain data; `bot/views/scorecard` renders it."""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engagement.notify import Message
from engagement.risks.lines import RiskLine
from engagement.scoring.evaluate import KpiLine
from engagement.scoring.scorecard import Status, Trend


class Data(BaseModel):
    model_config = ConfigDict(frozen=True)


class KpiBrief(Data):
    """A KPI as the digest shows it: key, label, status and trend."""

    key: str
    label: str
    status: Status | None
    trend: Trend


class KpiItem(KpiBrief):
    """A KPI as the card shows it: with target, actual and weight."""

    unit: str
    target: float
    red_below: float | None
    red_above: float | None
    actual: float | None
    before: float | None
    weight: float
    weighted: float | None

    @classmethod
    def of(cls, line: KpiLine) -> KpiItem:
        """A KPI of an account's current scorecard."""
        return cls(
            key=line.kpi.key,
            label=line.kpi.label,
            unit=line.kpi.unit,
            target=line.kpi.target,
            red_below=line.kpi.thresholds.red_below,
            red_above=line.kpi.thresholds.red_above,
            actual=line.actual,
            before=line.before,
            status=line.status,
            trend=line.trend,
            weight=line.kpi.weight,
            weighted=line.weighted,
        )


class RoleBalance(Data):
    """Role balance as seed 000 means it: in how many of the last `weeks` weeks a check-in
    answer (the sponsor's or the SAM's) said the sponsor took over from the SAM ("boss
    mode") or stepped back, and in how many any answer said which way they leaned."""

    took_over: int = 0
    stepped_back: int = 0
    answered: int = 0
    weeks: int = 4

    @property
    def off(self) -> bool:
        return self.took_over > 0 or self.stepped_back > 0

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> RoleBalance:
        """Itself: frozen and of numbers only, so every summary can share the default one
        (pydantic deep-copied it into each of a digest's 2,000 summaries)."""
        return self


class AccountSummary(Data):
    """One account's line in a digest (and the head of its card)."""

    account_id: int
    name: str
    score: int | None
    status: Status | None
    trend: Trend
    score_before: int | None
    """The score four weeks earlier (what the trend compares with)."""
    kpis: list[KpiBrief]
    """The KPIs off target this week (red or amber), in scorecard order: all a line names."""
    response_rate: float | None
    open_escalations: int
    overdue_escalations: int
    """Open escalations nobody acknowledged by their deadline."""
    advocacy_actions: int
    falling: bool
    """The fall since four weeks earlier is material: a status lost, or more than
    `attention.MATERIAL_FALL` points."""
    missed_checkins: bool
    """A sponsor left two or more check-ins in a row unanswered."""
    high_risks: int = 0
    """Open risks scoring 15 or more of 25 (`engagement.scoring.strategic`)."""
    review_overdue: bool = False
    """The account's strategic review is past its due date."""
    role_balance: RoleBalance = RoleBalance()
    """Whether the sponsor took over or stepped back lately (`scoring.role_balance`)."""
    phase: str = ""
    """The account's phase (an `engagement.models.Phase` value, seed 002)."""
    governance: str = ""
    """Its governance model (an `engagement.models.Governance` value)."""

    @property
    def attention(self) -> bool:
        """Red, amber, falling materially, an overdue escalation, missed check-ins, a high
        risk, an overdue review or a sponsor off balance."""
        return (
            self.status in (Status.RED, Status.AMBER)
            or self.falling
            or self.overdue_escalations > 0
            or self.missed_checkins
            or self.high_risks > 0
            or self.review_overdue
            or self.role_balance.off
        )


class Indicator(Data):
    """A rated indicator on the card: the sponsor's self-view, the SAM's view, combined."""

    label: str
    sponsor: float | None
    sam: float | None
    combined: float | None


class SponsorTerm(Data):
    """One sponsor of an account over one period; `ended` None while it lasts."""

    user_id: str | None
    name: str
    started: date
    ended: date | None


class PhaseAnswer(Data):
    """A sponsor's yes or no to the question of the phase they were asked about (seed 002),
    in the check-in of `period_start`."""

    phase: str
    check: bool
    period_start: date


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
    sponsors: list[SponsorTerm] = []
    """The account's sponsors over time, earliest first (`engagement.scoring.sponsors`)."""
    can_rotate: bool = False
    """The reader is an admin: the card offers *Rotate sponsor*."""
    phase_answer: PhaseAnswer | None = None
    """The sponsor's latest answer to the phase's question."""
    risks: list[RiskLine] | None = None
    """The account's open risks, highest score first, the first few; None where the
    reader may not see them (not a member of the account, nor an admin)."""
    risks_open: int = 0


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
    """An advocacy action logged this week, by whom (their Slack ID once it is known)."""

    account: str
    user_id: str | None
    name: str
    text: str


class Digest(Message):
    """The weekly digest's first message in a channel (or a private preview)."""

    channel: str
    iso_week: str
    week_start: date
    """The Monday of the week, as people name it ("week of 23 Nov")."""
    preview: bool
    total_accounts: int
    totals: StatusCounts
    attention_total: int
    attention: list[AccountSummary]
    """The top of the attention ranking (`attention.rank`), on this message."""
    on_track_total: int
    """Accounts green with no material fall and nothing overdue."""
    on_track: list[AccountSummary]
    """Listed one a line when few; empty when summed up in one line (then in the thread)."""
    no_data_total: int
    """Accounts without any figure this week and nothing else to attend to."""
    no_data: list[AccountSummary]
    """Those accounts, named when few (else in the thread)."""
    highlights: list[Highlight]
    parts: int
    """How many messages the whole digest takes (this one included)."""


class DigestContinuation(Message):
    """More accounts of the same digest, posted in its thread, in ranking order."""

    channel: str
    iso_week: str
    week_start: date
    part: int
    parts: int
    attention: list[AccountSummary]
    on_track: list[AccountSummary]
    no_data: list[AccountSummary]


class AlertCondition(enum.StrEnum):
    STATUS_CHANGED = "status_changed"
    KPI_RED = "kpi_red"
    INDICATOR_FALLING = "indicator_falling"
    MISSED_CHECKINS = "missed_checkins"
    PERCEPTION_GAP = "perception_gap"
    ROLE_BALANCE = "role_balance"


class KpiTurnedRed(Data):
    """A KPI red this week and not the week before: its figures, unit and thresholds; only
    a manual KPI's actual can be recorded with `/sponsor kpi`."""

    kind: Literal["kpi_red"] = "kpi_red"
    key: str
    label: str
    manual: bool
    unit: str
    rated: bool
    """A 1–5 indicator (written 3.8/5)."""
    target: float
    red_above: float | None
    red_below: float | None
    before: float | None
    after: float


class Falling(Data):
    """One rated indicator's weekly 4-week means, two weeks back to now."""

    label: str
    means: tuple[float, float, float]


class IndicatorsFalling(Data):
    kind: Literal["indicator_falling"] = "indicator_falling"
    falling: list[Falling]
    """Steepest fall first."""


class CheckinsMissed(Data):
    """Who left their latest check-ins unanswered: how many in a row, and the periods of
    the last (up to 3)."""

    kind: Literal["missed_checkins"] = "missed_checkins"
    user_id: str | None
    name: str
    count: int
    periods: list[date]


class PerceptionGap(Data):
    """The sponsor's self-view and the SAM's view of one rated indicator (4-week means)."""

    kind: Literal["perception_gap"] = "perception_gap"
    label: str
    sponsor: float
    sam: float

    @property
    def points(self) -> float:
        """How far apart the two views are, on the 1–5 scale."""
        return abs(self.sponsor - self.sam)


class StatusChanged(Data):
    """The account's overall status and score, the week before and the completed week."""

    kind: Literal["status_changed"] = "status_changed"
    before: Status
    after: Status
    score_before: int
    score_after: int


class RoleBalanceShift(Data):
    """Who said, in the week's check-ins, that the sponsor took over or stepped back."""

    kind: Literal["role_balance"] = "role_balance"
    direction: str
    """took_over ("boss mode") or stepped_back."""
    roles: list[str]
    """sponsor, sam: whose answers said it."""


AlertFacts = Annotated[
    KpiTurnedRed
    | IndicatorsFalling
    | CheckinsMissed
    | PerceptionGap
    | StatusChanged
    | RoleBalanceShift,
    Field(discriminator="kind"),
]


class IndicatorAlert(Data):
    """A condition that holds for an account's week, as a structured outcome: which one,
    and the figures (`facts`); `bot/views/scorecard/alerts.py` words it."""

    account_id: int
    account_name: str
    condition: AlertCondition
    iso_week: str
    facts: AlertFacts
    sam_user_id: str | None


class AlertBundle(Message):
    """An account's alerts of one week found together, worst first: one message."""

    account_id: int
    account_name: str
    iso_week: str
    sam_user_id: str | None
    alerts: list[IndicatorAlert]
    direct: bool = False
    """True for the copy DM'ed to the SAM."""
    in_thread: bool = False
    """Posted in the thread of the account's first alert message of the week."""


class HomeScore(Data):
    """An account's latest score for App Home."""

    account_id: int
    name: str
    score: int | None
    status: Status | None
    trend: Trend
    red_kpis: list[str]
