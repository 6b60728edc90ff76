"""The indicators that come from escalations: how many are open at each week's end, how
many were acknowledged late, and the median hours to acknowledge, over each window.

Few rows, so they are read once for the whole span and counted per week in Python.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import BindParameter, Executable, bindparam, or_, select
from sqlalchemy.orm import Session

from engagement.models import Escalation, EscalationState
from engagement.scoring.indicators.figures import (
    AccountRef,
    WeekFigures,
    earliest_start,
    fetch_all,
    id_parameters,
    listed_ids,
)


@dataclass(frozen=True, slots=True)
class EscalationTimes:
    """The moments of one escalation that its account's indicators count."""

    created_at: datetime
    ack_deadline: datetime
    first_response: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None


@lru_cache(maxsize=2)
def _statement(listed: bool) -> Executable:
    """Built once per shape (`figures.listed_ids`)."""
    since: BindParameter[datetime] = bindparam("since")
    return select(
        Escalation.account_id,
        Escalation.created_at,
        Escalation.ack_deadline,
        Escalation.acknowledged_at,
        Escalation.resolved_at,
    ).where(
        Escalation.account_id.in_(listed_ids(listed)),
        Escalation.state != EscalationState.CANCELLED,
        Escalation.created_at <= bindparam("now"),
        or_(
            Escalation.resolved_at.is_(None),
            Escalation.resolved_at >= since,
            Escalation.ack_deadline >= since,
        ),
    )


def load_escalations(
    session: Session, accounts: Sequence[AccountRef], now: datetime, first_week: int
) -> dict[int, list[EscalationTimes]]:
    """Escalations that can matter to the span: still open, or touched since it began."""
    listed, named = id_parameters(accounts)
    parameters = {**named, "now": now, "since": earliest_start(first_week)}
    rows = fetch_all(session, _statement(listed), parameters)
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
