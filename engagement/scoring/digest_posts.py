"""The weekly digest posted exactly once per digest channel and ISO week.

Posting is a chain of due work, each link in its own transaction:

1. `digest.post:<channel>:<week>` composes the digest (`digest.compose`), posts its
   first message, then records the `DigestRun` (unique per channel and week) with the
   message's ts, and queues the rest — each continuation with its content frozen in its
   payload, and the chart. A crash after posting but before the commit re-posts that
   one message at worst; a run found recorded is never posted again.
2. `digest.part:<channel>:<week>:<n>` posts part n in the thread, after part n-1.
3. `digest.chart:<channel>:<week>` uploads the trend chart into the thread and marks
   the run posted. Where each went is kept, for `digest_refresh` (`digest_thread`).
4. `digest.heatmap:<channel>:<week>` uploads the open risks' heat map after the chart.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.duework import streams
from engagement.duework.queue import schedule
from engagement.duework.registry import WorkContext
from engagement.models import (
    Account,
    DigestRun,
    DigestState,
    DueWork,
    PortfolioSettings,
    WorkState,
)
from engagement.notify import DeliveryError, Posted
from engagement.risks import heatmap
from engagement.scoring import kept, weeks
from engagement.scoring.chart import TrendChart
from engagement.scoring.digest import compose_channel
from engagement.scoring.digest_thread import remember_part, upload_chart
from engagement.scoring.evaluate import History
from engagement.scoring.messages import DigestContinuation


def plan_digests(context: WorkContext) -> int:
    """Queue this week's digest for every digest channel at the portfolio's local day and time.

    The key (`digest.post:<channel>:<ISO week>`) makes this idempotent; a digest whose
    time has already passed this week (the scheduler was down) is posted at once.
    """
    session = context.session
    settings = session.get(PortfolioSettings, 1)
    if settings is None:
        return 0
    week = weeks.local_week(context.now, settings.timezone)
    due = weeks.local_at(week, settings.digest_weekday, settings.digest_time, settings.timezone)
    label = weeks.label(week)
    created = 0
    for channel in session.scalars(select(Account.digest_channel).distinct()):
        created += schedule(
            session,
            kind="digest.post",
            key=f"digest.post:{channel}:{label}",
            due_at=due,
            payload={"channel": channel, "iso_week": label},
            stream=streams.channel(channel),
        )
    return created


def post_digest(context: WorkContext) -> None:
    """Post the digest's first message once, record it, and queue its thread."""
    session = context.session
    channel, iso_week = context.payload["channel"], context.payload["iso_week"]
    existing = session.scalars(
        select(DigestRun).where(DigestRun.channel == channel, DigestRun.iso_week == iso_week)
    ).first()
    if existing is not None:
        return  # posted before (its thread was queued in the same transaction)
    pages = compose_channel(
        session, channel=channel, iso_week=iso_week, now=context.now, history=History.KEEP
    )
    kept.queue_prune(session, iso_week, context.now)
    if pages.head.totals.no_data == pages.head.total_accounts:
        return  # no figure at all this week: nothing to read
    posted = context.notifier.post(channel, pages.head)
    run = DigestRun(
        channel=channel,
        iso_week=iso_week,
        state=DigestState.POSTING,
        message_channel=posted.channel,
        message_ts=posted.ts,
    )
    session.add(run)
    session.flush()
    for part in pages.rest:
        schedule(
            session,
            kind="digest.part",
            key=f"digest.part:{channel}:{iso_week}:{part.part}",
            due_at=context.now,
            payload={"run": run.id, "message": part.model_dump(mode="json")},
            stream=streams.channel(channel),
        )
    schedule(
        session,
        kind="digest.chart",
        key=f"digest.chart:{channel}:{iso_week}",
        due_at=context.now,
        payload={"run": run.id, "parts": pages.head.parts, "chart": pages.chart.model_dump()},
        stream=streams.channel(channel),
    )
    heatmap.queue(session, run, week_start=pages.head.week_start, now=context.now)


class Waiting(DeliveryError):
    """An earlier message of the thread is not posted yet; this one is retried shortly."""


def _require_posted(session: Session, key: str) -> None:
    state = session.scalar(select(DueWork.state).where(DueWork.key == key))
    if state in (WorkState.DUE, WorkState.CLAIMED):  # a part refused for good does not block
        raise Waiting(f"waiting for {key}")


def _thread(session: Session, run_id: int) -> tuple[DigestRun, Posted]:
    run = session.get_one(DigestRun, run_id)
    if run.message_channel is None or run.message_ts is None:
        raise Waiting("the digest has no first message yet")
    return run, Posted(run.message_channel, run.message_ts)


def post_part(context: WorkContext) -> None:
    """A continuation in the digest's thread, in order."""
    session = context.session
    message = DigestContinuation.model_validate(context.payload["message"])
    if message.part > 2:
        _require_posted(
            session, f"digest.part:{message.channel}:{message.iso_week}:{message.part - 1}"
        )
    run, thread = _thread(session, int(context.payload["run"]))
    if run.state == DigestState.POSTED:
        return
    remember_part(
        run, message.part, context.notifier.post(thread.channel, message, thread_ts=thread.ts)
    )


def post_chart(context: WorkContext) -> None:
    """The trend chart in the thread, after the last continuation; the run is then complete."""
    session = context.session
    run, thread = _thread(session, int(context.payload["run"]))
    if run.state == DigestState.POSTED:
        return
    parts = int(context.payload["parts"])
    if parts > 1:
        _require_posted(session, f"digest.part:{run.channel}:{run.iso_week}:{parts}")
    upload_chart(context.notifier, run, thread, TrendChart.model_validate(context.payload["chart"]))
    run.state = DigestState.POSTED
    run.posted_at = context.now
