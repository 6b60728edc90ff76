"""Channels that refuse Sherpa until someone acts, and who is told what to do.

A post or file for a channel that Slack refuses (private without Sherpa, a file where it
is not a member, archived) waits (`notify.ChannelUnavailable`, held by the engine): it
is tried again at each hourly planning run, never failed for it, and goes out once the
channel works. The admins (`SHERPA_ADMINS`) get one DM per channel per day saying what
to do, with *Retry now*, which makes that channel's waiting work due at once. Once work
for the channel goes through again, each such DM is updated to say so, without the button.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from engagement.duework.queue import schedule
from engagement.duework.registry import Registry, WorkContext
from engagement.errors import NotAllowed
from engagement.models import Account, ChannelNotice, DueWork, PortfolioSettings, WorkState
from engagement.notify import Blocked, ChannelUnavailable, Message, Posted

log = logging.getLogger(__name__)

NOTICE = "channels.notice"
"""One per channel per day: fans out to one `TELL` per admin."""
TELL = "channels.tell"
"""One admin's DM about one channel."""
CLEARED = "channels.cleared"
"""The admins' DMs about a channel, updated: it works again."""


class ChannelNeedsAction(Message):
    """To an admin: a channel refuses Sherpa, what to do about it, and *Retry now*."""

    channel: str
    """As the portfolio names it (`#exec-steering`) or Slack's ID (`C…`)."""
    reason: str
    waiting: int


class ChannelWorksAgain(Message):
    """The admin's DM about `channel`, once Sherpa's work goes through there again."""

    channel: str


def register(registry: Registry) -> None:
    registry.kind(NOTICE, notice)
    registry.kind(TELL, tell)
    registry.kind(CLEARED, cleared)
    registry.when_blocked(hold)
    registry.when_cleared(clear)


def hold(session: Session, error: Blocked, as_of: datetime) -> None:
    """A channel refused: the admins are told, once that day for that channel."""
    if isinstance(error, ChannelUnavailable):
        schedule(
            session,
            kind=NOTICE,
            key=f"{NOTICE}:{error.channel}:{as_of:%Y-%m-%d}",
            due_at=as_of,
            payload={"channel": error.channel, "reason": error.reason},
        )


def notice(context: WorkContext) -> None:
    channel, reason = context.payload["channel"], context.payload["reason"]
    if not context.admins:
        log.warning("channels.unavailable channel=%s reason=%s admins=none", channel, reason)
    for admin in sorted(context.admins):
        schedule(
            context.session,
            kind=TELL,
            key=f"{context.key}:{admin}",
            due_at=context.now,
            payload={"channel": channel, "reason": reason, "admin": admin},
        )


def tell(context: WorkContext) -> None:
    channel = str(context.payload["channel"])
    message = ChannelNeedsAction(
        channel=channel,
        reason=str(context.payload["reason"]),
        waiting=waiting(context.session, channel),
    )
    admin = str(context.payload["admin"])
    posted = context.notifier.post(admin, message)
    context.session.add(
        ChannelNotice(
            channel=channel,
            admin=admin,
            message_channel=posted.channel,
            message_ts=posted.ts,
            posted_at=context.now,
        )
    )


def _open_notices(channel: str) -> list[ColumnElement[bool]]:
    return [ChannelNotice.channel == channel, ChannelNotice.cleared_at.is_(None)]


def clear(session: Session, last_error: str, as_of: datetime) -> None:
    """Work held for a channel went through: its admins' DMs are to say it works again."""
    channel = ChannelUnavailable.channel_in(last_error)
    if channel is None:
        return
    latest = session.scalar(select(func.max(ChannelNotice.id)).where(*_open_notices(channel)))
    if latest is not None:
        schedule(
            session,
            kind=CLEARED,
            key=f"{CLEARED}:{latest}",
            due_at=as_of,
            payload={"channel": channel},
        )


def cleared(context: WorkContext) -> None:
    channel = str(context.payload["channel"])
    for notice in context.session.scalars(
        select(ChannelNotice).where(*_open_notices(channel)).order_by(ChannelNotice.id)
    ):
        context.notifier.update(
            Posted(notice.message_channel, notice.message_ts), ChannelWorksAgain(channel=channel)
        )
        notice.cleared_at = context.now


def _waiting_for(channel: str) -> list[ColumnElement[bool]]:
    """The rows held for `channel` (the engine keeps the refusal as their last error)."""
    prefix = str(ChannelUnavailable(channel, "")).removesuffix(" ")
    return [
        DueWork.state == WorkState.DUE,
        DueWork.last_error.startswith(prefix, autoescape=True),
    ]


def waiting(session: Session, channel: str) -> int:
    """How many pieces of work wait for `channel`."""
    return session.scalar(select(func.count()).where(*_waiting_for(channel))) or 0


def retry(session: Session, *, channel: str, is_admin: bool, now: datetime) -> int:
    """*Retry now*: the work waiting for `channel` is due at once; how many."""
    if not is_admin:
        raise NotAllowed("Only Sherpa's admins can retry a channel.")
    result = session.execute(
        update(DueWork)
        .where(*_waiting_for(channel))
        .values(due_at=now)
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(result, "rowcount", 0))
    log.info("channels.retry channel=%s rows=%d", channel, count)
    return count


def portfolio_channels(session: Session) -> dict[str, list[str]]:
    """Every channel the portfolio posts to, with what goes there (for `sherpa doctor`).

    A digest channel gets the weekly chart as a file, which needs Sherpa as a member even
    when the channel is public; the other channels need it only when private."""
    uses: dict[str, list[str]] = {}

    def add(channel: str | None, use: str) -> None:
        if channel and use not in uses.setdefault(channel, []):
            uses[channel].append(use)

    portfolio = session.get(PortfolioSettings, 1)
    if portfolio is not None:
        add(portfolio.digest_channel, DIGEST)
        add(portfolio.escalation_path, "escalation path")
    for account in session.scalars(select(Account).order_by(Account.name)):
        add(account.digest_channel, DIGEST)
        add(account.channel, f"{account.name}'s channel")
    return uses


DIGEST = "digest (a file: Sherpa must be a member)"
