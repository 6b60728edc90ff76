"""What scoring keeps: the scorecard's KPIs, the actuals SAMs record, and the record of
what was already posted (alerts, weekly digests), so nothing is posted twice.

Indicators are computed from check-ins, answers, escalations, advocacy actions and KPI
actuals whenever a scorecard is asked for. Only completed weeks' scorecards are kept, for
the digest's history, with the log of changes that tells which still hold.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from engagement.models.base import DERIVED, Base, one_of


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


class ScoreChange(Base):
    """A change to what an account's figures are computed from, for its weeks from `since`
    on. Written only by triggers on the tables figures come from (migration 0016), read
    to know which kept weeks still hold (`engagement.scoring.kept`)."""

    __tablename__ = "score_changes"
    __table_args__ = (
        Index("ix_score_changes_account", "account_id", "since"),
        {"sqlite_autoincrement": True, "info": DERIVED},
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    """On SQLite, where writers take turns, also the order changes were committed in."""
    account_id: Mapped[int] = mapped_column(Integer)
    since: Mapped[date] = mapped_column(Date)
    xid: Mapped[int | None] = mapped_column(BigInteger)
    """On PostgreSQL, the writing transaction (`pg_current_xact_id()`, its default)."""
    logged_at: Mapped[datetime] = mapped_column(server_default=text("CURRENT_TIMESTAMP"))
    """The database's clock: a change is forgotten only long after any computation that
    could have missed it has ended (`kept.prune`)."""


class KeptWeek(Base):
    """A completed week's scorecard of an account, kept when its digest was composed and
    read back while nothing it was computed from has changed since."""

    __tablename__ = "kept_weeks"
    __table_args__ = {"info": DERIVED}  # noqa: RUF012 (SQLAlchemy's declarative attribute)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    week: Mapped[int] = mapped_column(Integer, primary_key=True)
    monday: Mapped[date] = mapped_column(Date)
    zone: Mapped[str] = mapped_column(String(64))
    """The account's zone its week was computed in: another zone makes other weeks."""
    kpis: Mapped[str] = mapped_column(String(64))
    """The KPIs it was scored against (`kept.fingerprint`)."""
    computed_at: Mapped[datetime] = mapped_column()
    horizon: Mapped[int] = mapped_column(BigInteger)
    """What it saw of the changes (`kept.Seen`): SQLite, the last change; PostgreSQL, its
    snapshot's `xmin`."""
    snapshot: Mapped[str] = mapped_column(Text)
    """PostgreSQL: the snapshot it was computed in (`pg_current_snapshot()`)."""
    statuses: Mapped[str] = mapped_column(String(32))
    """Each KPI's status, a letter each (`kept.LETTERS`)."""
    actuals: Mapped[str] = mapped_column(Text)
    """Each KPI's value, a JSON list."""
