"""Sponsor rotations as stored (seed 001): who handed an account over to whom, when, the
handover brief DM'd to the incoming sponsor, and the outgoing sponsor's handover note."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engagement.models.base import Base
from engagement.models.portfolio import Account


class SponsorRotation(Base):
    __tablename__ = "sponsor_rotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    outgoing_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    incoming_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    rotated_at: Mapped[datetime] = mapped_column()
    rotated_by: Mapped[str] = mapped_column(String(32))
    """The admin's Slack user ID, or "import" for the portfolio file."""
    brief_channel: Mapped[str | None] = mapped_column(String(32))
    brief_ts: Mapped[str | None] = mapped_column(String(32))
    """Where the handover brief landed, so the note can be added to it in place."""
    note: Mapped[str] = mapped_column(Text, default="")
    note_at: Mapped[datetime | None] = mapped_column()

    account: Mapped[Account] = relationship()
