"""The portfolio as stored: its settings, the accounts, the people and their roles.

This is what `sherpa import` writes from the portfolio file and what everything else
hangs off: a check-in, an escalation or a KPI actual always belongs to an account and a
person defined here.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    and_,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engagement.models.base import Base, one_of


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
    country: Mapped[str | None] = mapped_column(String(8))
    """Whose public holidays apply to people and accounts without their own `country`."""
    working_days: Mapped[bool] = mapped_column(default=True)
    """Check-ins falling on a weekend or public holiday move to the next working day."""
    away_statuses: Mapped[dict[str, Any] | None] = mapped_column()
    """`{"emoji": [...], "texts": [...]}`: Slack statuses that pause a person; None: defaults."""
    indicator_fall: Mapped[float] = mapped_column(Float, default=0.5, server_default="0.5")
    score_fall: Mapped[int] = mapped_column(Integer, default=10, server_default="10")


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
    country: Mapped[str | None] = mapped_column(String(8))
    introduced_at: Mapped[datetime | None] = mapped_column()
    status_emoji: Mapped[str] = mapped_column(String(100), default="")
    status_text: Mapped[str] = mapped_column(String(100), default="")
    status_expires_at: Mapped[datetime | None] = mapped_column()
    status_checked_at: Mapped[datetime | None] = mapped_column()

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
        CheckConstraint(one_of("phase", Phase), name="phase"),
        CheckConstraint(one_of("governance", Governance), name="governance"),
        CheckConstraint(one_of("cadence", Cadence), name="cadence"),
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
    review_months: Mapped[int | None] = mapped_column(Integer)
    """Months between strategic reviews, when the portfolio overrides its governance's."""
    country: Mapped[str | None] = mapped_column(String(8))

    sponsorships: Mapped[list[Sponsorship]] = relationship(back_populates="account")


class Sponsorship(Base):
    """A person's role on an account over time; a change closes the old row."""

    __tablename__ = "sponsorships"
    __table_args__ = (
        CheckConstraint(one_of("role", Role), name="role"),
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
