"""The data model. Constraints live in the schema; every time is stored in UTC."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    and_,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

if TYPE_CHECKING:
    from sqlalchemy.engine.default import DefaultExecutionContext

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, whatever the database keeps (SQLite has no zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}  # noqa: RUF012


def _check_in(column: str, values: type[enum.StrEnum]) -> str:
    allowed = ", ".join(f"'{item.value}'" for item in values)
    return f"{column} IN ({allowed})"


class Role(enum.StrEnum):
    SPONSOR = "sponsor"
    SAM = "sam"


class Phase(enum.StrEnum):
    PRE_RFP = "pre-rfp"
    SELECTION = "selection"
    IMPLEMENTATION = "implementation"
    STEADY_STATE = "steady-state"


class Governance(enum.StrEnum):
    DIRECT = "direct"
    STEERING_COMMITTEE = "steering-committee"
    THREE_TIER = "three-tier"


class Cadence(enum.StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class CheckInState(enum.StrEnum):
    DUE = "due"
    SENT = "sent"
    NUDGED = "nudged"
    ANSWERED = "answered"
    SKIPPED = "skipped"
    EXPIRED = "expired"


class RoleDirection(enum.StrEnum):
    """Which way the sponsor leaned, beside the role-balance rating (seed 000: "boss mode")."""

    STEPPED_BACK = "stepped_back"
    BALANCED = "balanced"
    TOOK_OVER = "took_over"


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class EscalationState(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class NoticeKind(enum.StrEnum):
    """Which message about an escalation a notice row points at (so it can be updated)."""

    ALERT = "alert"  # the account channel's alert
    REQUEST = "request"  # a sponsor's DM with Acknowledge / Resolve
    REMINDER = "reminder"  # a sponsor's DM past the acknowledge deadline
    CRITICAL = "critical"  # a critical one, straight to the escalation path
    OVERDUE = "overdue"  # unacknowledged past twice the deadline, to the escalation path


class KpiSource(enum.StrEnum):
    INDICATOR = "indicator"
    MANUAL = "manual"


class WorkState(enum.StrEnum):
    DUE = "due"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"  # refused for good by Slack (say, a deleted channel): kept for operators


PENDING_WORK = (WorkState.DUE, WorkState.CLAIMED)
"""Rows still to run (done and failed ones are kept, and are most of the table)."""
_PENDING_VALUES = ", ".join(f"'{state.value}'" for state in PENDING_WORK)
_PENDING_WORK = text(f"state IN ({_PENDING_VALUES})")


class DigestState(enum.StrEnum):
    POSTING = "posting"
    POSTED = "posted"


class PortfolioSettings(Base):
    """The portfolio-wide part of the portfolio file: one row."""

    __tablename__ = "portfolio_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("digest_weekday BETWEEN 0 AND 6", name="digest_weekday"),
        CheckConstraint("checkin_weekday BETWEEN 0 AND 6", name="checkin_weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    timezone: Mapped[str] = mapped_column(String(64))
    cadence: Mapped[str] = mapped_column(String(16))
    checkin_weekday: Mapped[int] = mapped_column(Integer)
    checkin_time: Mapped[time] = mapped_column(Time)
    digest_weekday: Mapped[int] = mapped_column(Integer)
    digest_time: Mapped[time] = mapped_column(Time)
    digest_channel: Mapped[str] = mapped_column(String(80))
    escalation_path: Mapped[str | None] = mapped_column(String(80))
    ack_hours: Mapped[dict[str, Any]] = mapped_column()
    nudge_after_hours: Mapped[int] = mapped_column(Integer, default=48)
    expire_after_days: Mapped[int] = mapped_column(Integer, default=7)


FORGOTTEN_DOMAIN = "forgotten.invalid"
"""The e-mail domain of a forgotten person's pseudonym (`sherpa forget`). `.invalid` is
reserved (RFC 2606): no real address, and so no Slack profile, ever has it."""


class Person(Base):
    """Someone Sherpa talks to, known by Slack user ID or, until resolved, by e-mail.

    A forgotten person keeps their row (so answers, escalations and KPI actuals stay
    linked) under a pseudonym: no Slack ID, and an e-mail address at FORGOTTEN_DOMAIN.
    """

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint("slack_user_id IS NOT NULL OR email IS NOT NULL", name="slack_id_or_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    timezone_checked_at: Mapped[datetime | None] = mapped_column()
    paused_until: Mapped[date | None] = mapped_column(Date)

    sponsorships: Mapped[list[Sponsorship]] = relationship(back_populates="person")

    @property
    def forgotten(self) -> bool:
        return self.email is not None and self.email.endswith(f"@{FORGOTTEN_DOMAIN}")


def forgotten_people() -> ColumnElement[bool]:
    """SQL for `Person.forgotten` (false, not NULL, for a person with no e-mail)."""
    return and_(
        Person.email.is_not(None), Person.email.endswith(f"@{FORGOTTEN_DOMAIN}", autoescape=True)
    )


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        Index("uq_accounts_name_lower", func.lower(text("name")), unique=True),
        CheckConstraint(_check_in("phase", Phase), name="phase"),
        CheckConstraint(_check_in("governance", Governance), name="governance"),
        CheckConstraint(_check_in("cadence", Cadence), name="cadence"),
        CheckConstraint("checkin_weekday BETWEEN 0 AND 6", name="checkin_weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phase: Mapped[str] = mapped_column(String(32), default=Phase.STEADY_STATE)
    governance: Mapped[str] = mapped_column(String(32), default=Governance.DIRECT)
    channel: Mapped[str | None] = mapped_column(String(80))
    digest_channel: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(64))
    cadence: Mapped[str] = mapped_column(String(16), default=Cadence.WEEKLY)
    checkin_weekday: Mapped[int] = mapped_column(Integer)
    checkin_time: Mapped[time] = mapped_column(Time)
    created_at: Mapped[datetime] = mapped_column()

    sponsorships: Mapped[list[Sponsorship]] = relationship(back_populates="account")


class Sponsorship(Base):
    """A person's role on an account over time; a change closes the old row."""

    __tablename__ = "sponsorships"
    __table_args__ = (
        CheckConstraint(_check_in("role", Role), name="role"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="period"),
        Index(
            "uq_sponsorships_current",
            "account_id",
            "person_id",
            "role",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()

    person: Mapped[Person] = relationship(back_populates="sponsorships")
    account: Mapped[Account] = relationship(back_populates="sponsorships")


class CheckIn(Base):
    """One prompt to one person about one account for one period."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("account_id", "person_id", "period_start", name="uq_checkins_period"),
        CheckConstraint(_check_in("role", Role), name="role"),
        CheckConstraint(_check_in("state", CheckInState), name="state"),
        Index("ix_checkins_person_state", "person_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default=CheckInState.DUE)
    sent_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    deferred: Mapped[bool] = mapped_column(default=False)
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))

    account: Mapped[Account] = relationship()
    person: Mapped[Person] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="checkin", order_by="Answer.revision"
    )


RATING = "BETWEEN 1 AND 5"


class Answer(Base):
    """One revision of a check-in answer; an edit adds a revision, never overwrites."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("checkin_id", "revision", name="uq_answers_revision"),
        CheckConstraint("revision >= 1", name="revision"),
        CheckConstraint(f"stakeholder_engagement {RATING}", name="stakeholder_engagement"),
        CheckConstraint(f"strategic_alignment {RATING}", name="strategic_alignment"),
        CheckConstraint(f"internal_advocacy {RATING}", name="internal_advocacy"),
        CheckConstraint(f"regular_checkins {RATING}", name="regular_checkins"),
        CheckConstraint(f"role_balance {RATING}", name="role_balance"),
        CheckConstraint("stakeholders_met >= 0", name="stakeholders_met"),
        CheckConstraint(_check_in("role_direction", RoleDirection), name="role_direction"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    stakeholder_engagement: Mapped[int] = mapped_column(Integer)
    strategic_alignment: Mapped[int] = mapped_column(Integer)
    internal_advocacy: Mapped[int] = mapped_column(Integer)
    regular_checkins: Mapped[int] = mapped_column(Integer)
    role_balance: Mapped[int] = mapped_column(Integer)
    role_direction: Mapped[str | None] = mapped_column(String(16))
    alignment_meeting_held: Mapped[bool] = mapped_column()
    stakeholders_met: Mapped[int] = mapped_column(Integer, default=0)
    advocacy: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column()
    submitted_by: Mapped[int] = mapped_column(ForeignKey("people.id"))

    checkin: Mapped[CheckIn] = relationship(back_populates="answers")


class AdvocacyAction(Base):
    """Something a sponsor did for the account, logged in a check-in or with `/sponsor log`."""

    __tablename__ = "advocacy_actions"
    __table_args__ = (Index("ix_advocacy_account_time", "account_id", "logged_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    logged_at: Mapped[datetime] = mapped_column()
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"))


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        CheckConstraint(_check_in("severity", Severity), name="severity"),
        CheckConstraint(_check_in("state", EscalationState), name="state"),
        CheckConstraint("length(summary) > 0", name="summary"),
        Index("ix_escalations_account_state", "account_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    raised_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    severity: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="")
    ask: Mapped[str] = mapped_column(Text, default="")
    source_permalink: Mapped[str | None] = mapped_column(String(500))
    due_by: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default=EscalationState.OPEN)
    created_at: Mapped[datetime] = mapped_column()
    ack_deadline: Mapped[datetime] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolution: Mapped[str | None] = mapped_column(Text)
    alert_channel: Mapped[str | None] = mapped_column(String(32))
    alert_ts: Mapped[str | None] = mapped_column(String(32))
    request_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    account: Mapped[Account] = relationship()
    events: Mapped[list[EscalationEvent]] = relationship(
        back_populates="escalation", order_by="EscalationEvent.id"
    )

    @property
    def code(self) -> str:
        return f"ESC-{self.id}"


class EscalationEvent(Base):
    """Every state change of an escalation, with who and when."""

    __tablename__ = "escalation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column()

    escalation: Mapped[Escalation] = relationship(back_populates="events")


class EscalationNotice(Base):
    """Where a message about an escalation landed, so each can be updated to its current state."""

    __tablename__ = "escalation_notices"
    __table_args__ = (
        UniqueConstraint("escalation_id", "kind", "recipient", name="uq_escalation_notices_target"),
        CheckConstraint(_check_in("kind", NoticeKind), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column()


class KpiDefinition(Base):
    """A scorecard line from the portfolio file."""

    __tablename__ = "kpi_definitions"
    __table_args__ = (
        CheckConstraint(_check_in("source", KpiSource), name="source"),
        CheckConstraint("weight > 0", name="weight"),
        CheckConstraint("(red_below IS NULL) <> (red_above IS NULL)", name="one_red_threshold"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(16), default="")
    source: Mapped[str] = mapped_column(String(16))
    target: Mapped[float] = mapped_column(Float)
    red_below: Mapped[float | None] = mapped_column(Float)
    red_above: Mapped[float | None] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer, default=0)


class KpiActual(Base):
    """A manual KPI value recorded by a SAM for an account."""

    __tablename__ = "kpi_actuals"
    __table_args__ = (Index("ix_kpi_actuals_lookup", "account_id", "kpi_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpi_definitions.id"))
    value: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column()
    recorded_by: Mapped[int] = mapped_column(ForeignKey("people.id"))


class Alert(Base):
    """A posted alert; the dedupe key makes "one per condition per account per week" hold."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    condition: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    posted_at: Mapped[datetime | None] = mapped_column()


class DigestRun(Base):
    """One weekly digest per channel per ISO week."""

    __tablename__ = "digest_runs"
    __table_args__ = (
        UniqueConstraint("channel", "iso_week", name="uq_digest_runs_week"),
        CheckConstraint(_check_in("state", DigestState), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(80))
    iso_week: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default=DigestState.POSTING)
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    posted_at: Mapped[datetime | None] = mapped_column()


def _first_due(context: DefaultExecutionContext) -> Any:
    """An inserted row is first due when it is due."""
    return context.get_current_parameters()["due_at"]  # type: ignore[no-untyped-call]


class DueWork(Base):
    """The durable queue: one row per thing to do at a time, claimed atomically."""

    __tablename__ = "due_work"
    __table_args__ = (
        CheckConstraint(_check_in("state", WorkState), name="state"),
        Index("ix_due_work_ready", "state", "due_at"),
        Index("ix_due_work_stream", "stream", "state", "scheduled_for"),
        Index(  # the claim's walk in order, over pending rows only
            "ix_due_work_pending",
            "due_at",
            "id",
            postgresql_where=_PENDING_WORK,
            sqlite_where=_PENDING_WORK,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    due_at: Mapped[datetime] = mapped_column()
    """When to run it next: a retry moves it later (`engine.backoff`)."""
    stream: Mapped[str | None] = mapped_column(String(120))
    """Rows of one stream run one at a time, in `scheduled_for` order (see `duework.streams`)."""
    scheduled_for: Mapped[datetime] = mapped_column(default=_first_due)
    """When it was first due: its place in its stream, which retries never move."""
    state: Mapped[str] = mapped_column(String(16), default=WorkState.DUE)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column()


class ProcessedRequest(Base):
    """Slack event IDs already handled, so Events API retries do nothing twice."""

    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    at: Mapped[datetime] = mapped_column()


class SchedulerBeat(Base):
    """When each scheduler process last ran due work (for the health check)."""

    __tablename__ = "scheduler_beats"

    worker: Mapped[str] = mapped_column(String(120), primary_key=True)
    at: Mapped[datetime] = mapped_column()
