"""The audit log: every change to the portfolio, from Slack or from an import, with who
made it, when, and the values before and after (`engagement.audit` writes and reads it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engagement.models.base import Base


class AuditEntry(Base):
    """One change. `actor` and `subject` are text, so forgetting a person replaces their
    Slack ID there as in every other text column (`engagement.forget.mentions`)."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_subject_id", "subject", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(Text)
    """The Slack user ID of who made the change, or "import" for the portfolio file."""
    action: Mapped[str] = mapped_column(String(64))
    """What happened, as `thing.verb`: account.added, sponsorship.closed, risk.reassessed …"""
    subject: Mapped[str] = mapped_column(Text)
    """What changed, as `kind:name`: account:Acme Corp, kpi:response_rate, person:U0…"""
    before: Mapped[dict[str, Any] | None] = mapped_column()
    after: Mapped[dict[str, Any] | None] = mapped_column()
