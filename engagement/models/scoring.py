"""What scoring keeps: the scorecard's KPIs, the actuals SAMs record, and the record of
what was already posted (alerts, weekly digests), so nothing is posted twice.

Indicators themselves are not stored: `engagement.scoring` computes them from check-ins,
answers, escalations and advocacy actions whenever a scorecard is asked for.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engagement.models.base import Base, one_of


class KpiSource(enum.StrEnum):
    INDICATOR = "indicator"
    MANUAL = "manual"


class DigestState(enum.StrEnum):
    POSTING = "posting"
    POSTED = "posted"


class KpiDefinition(Base):
    """A scorecard line from the portfolio file."""

    __tablename__ = "kpi_definitions"
    __table_args__ = (
        CheckConstraint(one_of("source", KpiSource), name="source"),
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
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    """The account's alert message of the week that carries this alert (or its thread)."""


class DigestRun(Base):
    """One weekly digest per channel per ISO week."""

    __tablename__ = "digest_runs"
    __table_args__ = (
        UniqueConstraint("channel", "iso_week", name="uq_digest_runs_week"),
        CheckConstraint(one_of("state", DigestState), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(80))
    iso_week: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default=DigestState.POSTING)
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    posted_at: Mapped[datetime | None] = mapped_column()
    part_ts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Each continuation's message in the thread, by part number ("2", "3"…)."""
    chart_file: Mapped[str | None] = mapped_column(String(32))
    chart: Mapped[dict[str, Any] | None] = mapped_column()
    """The chart in the thread (its file and what it shows), replaced when it changes."""
