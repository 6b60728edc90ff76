"""A digest's thread: where each continuation and the chart went, and bringing them up to
date with the first message when its week's figures change (`digest_refresh`).

Continuations are updated in place (`chat.update`); a page the refreshed digest no longer
has is deleted, and one it has more is posted at the end of the thread. The chart cannot
be changed in place, so when what it shows changes the old file is deleted and the new
chart uploaded: a retry after the deletion finds the file gone and uploads, so a crash
leaves at most two charts, never none.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from engagement.models import DigestRun, DigestState
from engagement.notify import Notifier, Posted, Undeliverable, naming_channel
from engagement.scoring.chart import TrendChart, alt_text, render_png
from engagement.scoring.messages import DigestContinuation

log = logging.getLogger(__name__)


def remember_part(run: DigestRun, part: int, posted: Posted) -> None:
    run.part_ts = {**run.part_ts, str(part): posted.ts}


def upload_chart(notifier: Notifier, run: DigestRun, thread: Posted, chart: TrendChart) -> None:
    """Upload the chart into the digest's thread and remember the file and what it shows."""
    chart = chart.model_copy(update={"title": naming_channel(chart.title, run.channel, notifier)})
    run.chart_file = notifier.upload(
        thread,
        filename=f"sponsor-digest-{run.iso_week}.png",
        content=render_png(chart),
        title=chart.title,
        alt_text=alt_text(chart),
    )
    run.chart = chart.model_dump()


def refresh_thread(
    notifier: Notifier, run: DigestRun, rest: list[DigestContinuation], chart: TrendChart
) -> None:
    """Bring a posted digest's thread up to date: its continuations, then its chart. A
    thread still being posted is left to its own due work; one posted before where its
    messages went was kept (no chart recorded) is left as it was."""
    recorded = run.state == DigestState.POSTED and run.chart is not None
    if not recorded or run.message_channel is None or run.message_ts is None:
        return
    thread = Posted(run.message_channel, run.message_ts)
    for page in rest:
        ts = run.part_ts.get(str(page.part))
        if ts is None:
            remember_part(run, page.part, notifier.post(thread.channel, page, thread_ts=thread.ts))
        else:
            notifier.update(Posted(thread.channel, ts), page)
    pages = {str(page.part) for page in rest}
    for part, ts in sorted(run.part_ts.items()):
        if part not in pages:  # fewer pages now: their accounts moved up
            with suppress(Undeliverable):  # already gone is as good as deleted
                notifier.delete(Posted(thread.channel, ts))
    run.part_ts = {part: ts for part, ts in run.part_ts.items() if part in pages}
    if run.chart == chart.model_dump():
        return
    if run.chart_file is not None:
        with suppress(Undeliverable):
            notifier.delete_file(run.chart_file)
        run.chart_file = None
    upload_chart(notifier, run, thread, chart)
    log.info("digest.chart_replaced run=%d", run.id)
