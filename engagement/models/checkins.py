"""Check-ins and what comes back: each prompt, every revision of its answer, and the
advocacy actions sponsors report.

These rows are the raw material of the leading indicators (`engagement.scoring`): an
answer is never overwritten, and a check-in's state says whether it was answered,
skipped or missed.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engagement.models.base import Base, one_of
from engagement.models.portfolio import Account, Person, Phase, Role


class CheckInState(enum.StrEnum):
    DUE = "due"
    SENT = "sent"
    NUDGED = "nudged"
    ANSWERED = "answered"
    SKIPPED = "skipped"
    EXPIRED = "expired"


class RoleDirection(enum.StrEnum):
    """Which way the sponsor leaned, beside the role-balance rating: stepping back, or
    taking over from the SAM ("boss mode")."""

    STEPPED_BACK = "stepped_back"
    BALANCED = "balanced"
    TOOK_OVER = "took_over"


class CheckIn(Base):
    """One prompt to one person about one account for one period."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("account_id", "person_id", "period_start", name="uq_checkins_period"),
        CheckConstraint(one_of("role", Role), name="role"),
        CheckConstraint(one_of("state", CheckInState), name="state"),
        Index("ix_checkins_person_state", "person_id", "state"),
        # the scorecards read each account's last weeks: the unique key above has the
        # person between, so by it an account's every period would be read
        Index("ix_checkins_account_period", "account_id", "period_start"),
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
    reminder_channel: Mapped[str | None] = mapped_column(String(32))
    reminder_ts: Mapped[str | None] = mapped_column(String(32))
    """The reminder (nudge) that listed this check-in, kept true as its state changes."""

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
        CheckConstraint(one_of("role_direction", RoleDirection), name="role_direction"),
        CheckConstraint(one_of("phase", Phase), name="phase"),
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
    phase: Mapped[str | None] = mapped_column(String(32))
    """The account's phase when a sponsor answered its question (seed 002), else None."""
    phase_check: Mapped[bool | None] = mapped_column()
    """The sponsor's yes or no to the phase's question; None when it was not asked."""
    submitted_at: Mapped[datetime] = mapped_column(index=True)
    """Indexed for the portfolio's latest alignment meetings (`reviews.cadence`)."""
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
