"""The tables that keep Sherpa running rather than describe the portfolio: the due-work
queue, the requests already handled, and the scheduler's heartbeat.

Every message Sherpa sends on its own goes through `DueWork` (see `engagement.duework`),
so it survives crashes and outages; `ProcessedRequest` makes a replayed or retried
request from Slack change nothing twice; `SchedulerBeat` feeds the health check.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from engagement.models.base import Base, one_of

if TYPE_CHECKING:
    from sqlalchemy.engine.default import DefaultExecutionContext


class WorkState(enum.StrEnum):
    DUE = "due"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"  # refused for good by Slack (say, a deleted channel): kept for operators


PENDING_WORK = (WorkState.DUE, WorkState.CLAIMED)
"""Rows still to run (done and failed ones are kept, and are most of the table)."""
_PENDING_VALUES = ", ".join(f"'{state.value}'" for state in PENDING_WORK)
_PENDING_WORK = text(f"state IN ({_PENDING_VALUES})")


def _first_due(context: DefaultExecutionContext) -> Any:
    """An inserted row is first due when it is due."""
    return context.get_current_parameters()["due_at"]  # type: ignore[no-untyped-call]


class DueWork(Base):
    """The durable queue: one row per thing to do at a time, claimed atomically."""

    __tablename__ = "due_work"
    __table_args__ = (
        CheckConstraint(one_of("state", WorkState), name="state"),
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
    """Requests already handled (a Slack event's ID, the trigger of a command or click, a
    check-in modal's view), so a replayed or retried one changes nothing twice
    (`engagement.replays`)."""

    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    at: Mapped[datetime] = mapped_column()


class SchedulerBeat(Base):
    """When each scheduler process last ran due work (for the health check)."""

    __tablename__ = "scheduler_beats"

    worker: Mapped[str] = mapped_column(String(120), primary_key=True)
    at: Mapped[datetime] = mapped_column()


class SendingStop(Base):
    """Slack refuses Sherpa's token (revoked, the app uninstalled, the workspace closed):
    nothing is sent until it works again (`engagement.sending`). At most one row."""

    __tablename__ = "sending_stops"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    reason: Mapped[str] = mapped_column(String(64))
    since: Mapped[datetime] = mapped_column()


class ChannelNotice(Base):
    """An admin's DM saying a channel refuses Sherpa (`engagement.channels`): kept so the
    DM can say so once the channel works again, and lose its *Retry now*."""

    __tablename__ = "channel_notices"
    __table_args__ = (Index("ix_channel_notices_open", "channel", "cleared_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(100))
    """As the portfolio names it (`#exec-steering`) or Slack's ID."""
    admin: Mapped[str] = mapped_column(String(32))
    """The admin's Slack user ID."""
    message_channel: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column()
    cleared_at: Mapped[datetime | None] = mapped_column()
