"""Escalations as stored: what a SAM raised, every change of its state, and where each
message about it landed in Slack.

The events are the escalation's history (who acknowledged, resolved or cancelled it,
and when); the notices let every message about it be updated to its current state.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engagement.models.base import Base, one_of
from engagement.models.portfolio import Account


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


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        CheckConstraint(one_of("severity", Severity), name="severity"),
        CheckConstraint(one_of("state", EscalationState), name="state"),
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
        CheckConstraint(one_of("kind", NoticeKind), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column()
