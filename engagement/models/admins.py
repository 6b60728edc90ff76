"""Sherpa's admins as stored: added and removed in Slack (App Home's *Admins*).

`SHERPA_ADMINS` seeds them: an ID named there is an admin until a row says otherwise, so
a deployment that never changes admins in Slack keeps exactly the setting's admins. A
removal keeps its row (who removed them, and when), which is what keeps a seeded admin
removed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engagement.models.base import Base


class Admin(Base):
    __tablename__ = "admins"

    slack_user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(32))
    """The admin who added them (a Slack user ID), or "SHERPA_ADMINS" for a seeded one."""
    added_at: Mapped[datetime] = mapped_column()
    removed_by: Mapped[str | None] = mapped_column(String(32))
    removed_at: Mapped[datetime | None] = mapped_column()
    """Set while they are not an admin (any more)."""
