"""Strategic risks as stored: an account's risk register (SR-01, SR-02 …) and every
change to each risk, so its history can be read back.

Probability and impact are 1–5; the score is their product, computed (never stored, so
it cannot disagree with them).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from engagement.models.base import Base, one_of
from engagement.models.portfolio import Account


class RiskCategory(enum.StrEnum):
    STRATEGIC_DRIFT = "strategic drift"
    RELATIONSHIP_COLLAPSE = "relationship collapse"
    REPUTATIONAL_DAMAGE = "reputational damage"
    OPERATIONAL = "operational"
    OTHER = "other"


class RiskState(enum.StrEnum):
    OPEN = "open"
    MITIGATING = "mitigating"
    CLOSED = "closed"


class Risk(Base):
    __tablename__ = "risks"
    __table_args__ = (
        UniqueConstraint("account_id", "number", name="uq_risks_account_number"),
        CheckConstraint(one_of("category", RiskCategory), name="category"),
        CheckConstraint(one_of("state", RiskState), name="state"),
        CheckConstraint("probability BETWEEN 1 AND 5", name="probability"),
        CheckConstraint("impact BETWEEN 1 AND 5", name="impact"),
        CheckConstraint("length(description) > 0", name="description"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    """Its place in the account's register: SR-01 is 1."""
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32), default=RiskCategory.OTHER)
    probability: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    mitigation: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    review_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default=RiskState.OPEN)
    created_at: Mapped[datetime] = mapped_column()

    account: Mapped[Account] = relationship()
    events: Mapped[list[RiskEvent]] = relationship(
        back_populates="risk", order_by="RiskEvent.id", cascade="all, delete-orphan"
    )

    @hybrid_property
    def score(self) -> int:
        return self.probability * self.impact

    @score.inplace.expression
    @classmethod
    def _score(cls) -> ColumnElement[int]:
        return cls.probability * cls.impact

    @property
    def code(self) -> str:
        return f"SR-{self.number:02d}"


class RiskEvent(Base):
    """One change to a risk: logged, re-assessed, or moved to another state; who and when."""

    __tablename__ = "risk_events"
    __table_args__ = (CheckConstraint(one_of("state", RiskState), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    """Who changed it; None for the portfolio file."""
    state: Mapped[str] = mapped_column(String(16))
    probability: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column()

    risk: Mapped[Risk] = relationship(back_populates="events")
