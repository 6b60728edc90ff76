"""The indicators that come from escalations: how many are open at each week's end, how
many were acknowledged late, and the median hours to acknowledge, over each window.

Few rows, so they are read once for the whole span and counted per week in Python.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from engagement.models import Escalation, EscalationState
from engagement.scoring.indicators.figures import WeekFigures, earliest_start, fetch_all


@dataclass(frozen=True, slots=True)
class EscalationTimes:
    """The moments of one escalation that its account's indicators count."""

    created_at: datetime
    ack_deadline: datetime
    first_response: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None


def load_escalations(
    session: Session, ids: Select[Any], now: datetime, first_week: int
) -> dict[int, list[EscalationTimes]]:
    """Escalations that can matter to the span: still open, or touched since it began."""
    since = earliest_start(first_week)
    rows = fetch_all(
        session,
        select(
            Escalation.account_id,
            Escalation.created_at,
            Escalation.ack_deadline,
            Escalation.acknowledged_at,
            Escalation.resolved_at,
        ).where(
            Escalation.account_id.in_(ids),
            Escalation.state != EscalationState.CANCELLED,
            Escalation.created_at <= now,
            or_(
                Escalation.resolved_at.is_(None),
                Escalation.resolved_at >= since,
                Escalation.ack_deadline >= since,
            ),
        ),
    )
    result: dict[int, list[EscalationTimes]] = defaultdict(list)
    for account_id, created, deadline, acked, resolved in rows:
        responses = [moment for moment in (acked, resolved) if moment is not None]
        result[account_id].append(
            EscalationTimes(
                created, deadline, min(responses) if responses else None, acked, resolved
            )
        )
    return result


def escalation_figures(
    figures: WeekFigures, escalations: list[EscalationTimes], start: datetime, end: datetime
) -> None:
    """Open at the week's end, and of those overdue (unacknowledged past their deadline);
    late acknowledgements and median hours over the window."""
    open_now = overdue = late = 0
    hours: list[float] = []
    for item in escalations:
        if item.created_at <= end and (item.resolved_at is None or item.resolved_at > end):
            open_now += 1
            if item.ack_deadline < end and (
                item.first_response is None or item.first_response > end
            ):
                overdue += 1
        if start <= item.ack_deadline < end and (
            item.first_response is None or item.first_response > item.ack_deadline
        ):
            late += 1
        if item.acknowledged_at is not None and start <= item.acknowledged_at < end:
            hours.append((item.acknowledged_at - item.created_at).total_seconds() / 3600)
    figures.values["escalations_open"] = float(open_now)
    figures.values["escalations_overdue"] = float(overdue)
    figures.values["acknowledged_late"] = float(late)
    if hours:
        figures.values["hours_to_acknowledge"] = statistics.median(hours)
