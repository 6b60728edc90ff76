"""A posted digest stays true: when an answer, a KPI actual or an escalation of one of its
accounts changes, its first message is updated in place (`chat.update`) with the figures
of its week as known now, and its thread with it (the continuations, the chart:
`digest_thread`), until the channel's next digest is posted.

`digest_stale.digest_changed` queues the update; this runs it.
"""

from __future__ import annotations

from engagement.duework.registry import WorkContext
from engagement.models import DigestRun
from engagement.notify import Posted
from engagement.scoring.digest import compose_channel
from engagement.scoring.digest_stale import latest_run
from engagement.scoring.digest_thread import refresh_thread


def refresh_digest(context: WorkContext) -> None:
    """Update the digest's first message and its thread to its week's figures as known now;
    a digest followed by a newer one in its channel is left as it was."""
    session = context.session
    run = session.get(DigestRun, int(context.payload["run"]))
    if run is None or run.message_channel is None or run.message_ts is None:
        return
    latest = latest_run(session, run.channel)
    if latest is not None and latest.id != run.id:
        return
    pages = compose_channel(
        session, channel=run.channel, iso_week=run.iso_week, now=context.now, pinned=True
    )
    context.notifier.update(Posted(run.message_channel, run.message_ts), pages.head)
    refresh_thread(context.notifier, run, pages.rest, pages.chart)
