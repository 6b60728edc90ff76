"""Marking a posted digest stale: the domain calls `digest_changed` wherever an answer, a
KPI actual or an escalation changes (it imports nothing of scoring, so anyone may);
`digest_refresh` brings the digest up to date.

Changes within a minute make one update (the due row's key is the minute).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.duework import streams
from engagement.duework.queue import schedule
from engagement.models import Account, DigestRun

SETTLE = timedelta(minutes=1)


def latest_run(session: Session, channel: str) -> DigestRun | None:
    """The channel's latest digest (the one a change updates)."""
    return session.scalars(
        select(DigestRun).where(DigestRun.channel == channel).order_by(DigestRun.id.desc()).limit(1)
    ).first()


def digest_changed(session: Session, account_id: int, now: datetime) -> None:
    """Queue the update of the latest digest that shows this account, if one was posted."""
    channel = session.scalar(select(Account.digest_channel).where(Account.id == account_id))
    run = latest_run(session, channel) if channel else None
    if run is None or run.message_ts is None:
        return
    schedule(
        session,
        kind="digest.refresh",
        key=f"digest.refresh:{run.id}:{now:%Y-%m-%dT%H:%M}",
        due_at=now + SETTLE,
        payload={"run": run.id},
        stream=streams.channel(run.channel),
    )
