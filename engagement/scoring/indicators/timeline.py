"""Timelines: every indicator of many accounts over their last HISTORY weeks, in a fixed
number of set-based queries (the same for one account or two thousand).

Weeks are the ISO weeks of each check-in's `period_start`, which is already a date on the
recipient's wall clock, and of other events in the account's own zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from engagement.scoring import weeks
from engagement.scoring.indicators.checkins import (
    Derived,
    advocacy_logged,
    derive,
    latest_periods,
    missed_streaks,
    period_sums,
    window_sums,
)
from engagement.scoring.indicators.escalations import (
    EscalationTimes,
    escalation_figures,
    load_escalations,
)
from engagement.scoring.indicators.figures import (
    HISTORY,
    RATED_KEYS,
    SPAN,
    STREAK_WEEKS,
    WINDOW,
    AccountRef,
    Timeline,
    WeekFigures,
    account_ids,
)


def _span(
    accounts: Iterable[AccountRef], now: datetime, week: int | None = None
) -> tuple[dict[int, int], int, int]:
    """Each account's current week (or `week` for all), and the earliest and latest week
    any of them needs."""
    current = {
        account.id: weeks.local_week(now, account.timezone) if week is None else week
        for account in accounts
    }
    if not current:
        return current, 0, 0
    return current, min(current.values()) - SPAN + 1, max(current.values())


def compute(
    session: Session, accounts: list[AccountRef], *, now: datetime, week: int | None = None
) -> dict[int, Timeline]:
    """Timelines for `accounts` as of `now`: a fixed number of queries whatever their count.

    `week` ends them at an earlier week than now's (a digest brought up to date after its
    week ended), with everything known by `now`."""
    current, first, last = _span(accounts, now, week)
    timelines = {
        account.id: Timeline(account=account, current=current[account.id], weeks={})
        for account in accounts
    }
    if not accounts:
        return timelines
    ids = account_ids(accounts)
    periods = period_sums(session, ids, weeks.monday(first), weeks.monday(last + 1), now)
    escalations = load_escalations(session, ids, now, first)
    advocacy = advocacy_logged(session, ids, now, first)
    missed = missed_streaks(session, ids, weeks.monday(last - STREAK_WEEKS + 1), now)
    firsts = np.array([current[a.id] - SPAN + 1 for a in accounts], dtype=np.int64)
    derived = derive(window_sums(accounts, firsts, periods, advocacy))
    latest = latest_periods(periods)
    for index, account in enumerate(accounts):
        timeline = timelines[account.id]
        _week_figures(timeline, derived, index, escalations.get(account.id, []), now)
        timeline.missed = missed.get(account.id, [])
        timeline.unanswered = latest.get(account.id, False)
    return timelines


def _week_figures(
    timeline: Timeline,
    derived: Derived,
    row: int,
    escalations: list[EscalationTimes],
    now: datetime,
) -> None:
    """WeekFigures for each week of one account; the two views only for the current week."""
    zone = timeline.account.timezone
    combined, gap = derived.combined[row], derived.gap[row]
    response, regularity = derived.response[row], derived.regularity[row]
    advocacy = derived.advocacy[row]
    first = timeline.current - HISTORY + 1
    for k in range(HISTORY):
        week = first + k
        values: dict[str, float] = {
            "advocacy_actions": advocacy[k],
            "escalations_open": 0.0,
            "escalations_overdue": 0.0,
            "acknowledged_late": 0.0,
        }
        if combined[k][0] == combined[k][0]:  # not NaN: someone answered
            values.update(zip(RATED_KEYS, combined[k], strict=True))
        if gap[k] == gap[k]:
            values["perception_gap"] = gap[k]
        if response[k] == response[k]:
            values["response_rate"] = response[k]
            values["checkin_regularity"] = regularity[k]
        figures = WeekFigures(week, values, {}, {}, {})
        if escalations:
            start = weeks.week_start(week - WINDOW + 1, zone)
            escalation_figures(figures, escalations, start, weeks.as_of(week, zone, now))
        timeline.weeks[week] = figures
    for back in (0, 1):  # the week in progress and the last completed one
        figures = timeline.weeks[timeline.current - back]
        for target, source in ((figures.sponsor, derived.sponsor), (figures.sam, derived.sam)):
            latest = source[row][HISTORY - 1 - back]
            if latest[0] == latest[0]:
                target.update(zip(RATED_KEYS, latest, strict=True))
        if figures.sponsor and figures.sam:
            for key in RATED_KEYS:
                figures.gap[key] = figures.sponsor[key] - figures.sam[key]
