"""Timelines: every indicator of many accounts over their last HISTORY weeks, in a fixed
number of set-based queries (the same for one account or two thousand).

Weeks are the ISO weeks of each check-in's `period_start`, which is already a date on the
recipient's wall clock, and of other events in the account's own zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engagement.scoring import weeks
from engagement.scoring.indicators.checkins import Unanswered, missed_streaks, weekly_figures
from engagement.scoring.indicators.escalations import (
    EscalationTimes,
    escalation_figures,
    load_escalations,
)
from engagement.scoring.indicators.figures import (
    RATED_KEYS,
    STREAK_WEEKS,
    WINDOW,
    AccountRef,
    Span,
    Timeline,
    WeekFigures,
    span,
)
from engagement.scoring.indicators.values import WeekValues


def compute(
    session: Session,
    accounts: list[AccountRef],
    *,
    now: datetime,
    week: int | None = None,
    within: Span | None = None,
) -> dict[int, Timeline]:
    """Timelines for `accounts` as of `now`: a fixed number of queries whatever their count.

    `week` ends them at an earlier week than now's (a digest brought up to date after its
    week ended), with everything known by `now`; `within`: their `span`, when known."""
    weeks_of = within or span(accounts, now, week)
    if weeks_of is None:
        return {}
    timelines = {
        account.id: Timeline(account=account, current=weeks_of.current[account.timezone], weeks={})
        for account in accounts
    }
    escalations = load_escalations(session, accounts, now, weeks_of.first)
    missed = missed_streaks(session, accounts, weeks.monday(weeks_of.last - STREAK_WEEKS + 1), now)
    unanswered = Unanswered()
    for row in weekly_figures(session, accounts, weeks_of, now):
        timeline = timelines.get(row[0])
        if timeline is None:
            continue  # every account was read (`figures.MAX_LISTED`), not only these
        unanswered.see(row)
        if row[2]:
            _week_figures(timeline, row, escalations.get(timeline.account.id, []), now)
    latest = unanswered.by_account()
    for account in accounts:
        timeline = timelines[account.id]
        timeline.missed = missed.get(account.id, [])
        timeline.unanswered = latest.get(account.id, False)
    return timelines


RATED = len(RATED_KEYS)
NO_ESCALATIONS = (
    ("escalations_open", 0.0),
    ("escalations_overdue", 0.0),
    ("acknowledged_late", 0.0),
)
"""A week's escalation figures until `escalation_figures` counts its escalations."""


def _week_figures(
    timeline: Timeline, row: Any, escalations: list[EscalationTimes], now: datetime
) -> None:
    """One week's WeekFigures from its row of `weekly_figures`; the two views only for the
    week in progress and the last completed one."""
    week, response, regularity, actions = row[1], row[5], row[6], row[7]
    sponsor = row[8 : 8 + RATED]
    sam = row[8 + RATED : 8 + 2 * RATED]
    combined = row[8 + 2 * RATED : 8 + 3 * RATED]
    pairs = [("advocacy_actions", float(actions)), *NO_ESCALATIONS]
    if combined[0] is not None:  # someone answered
        pairs += zip(RATED_KEYS, combined, strict=True)
    gap = row[8 + 3 * RATED]
    if gap is not None:  # both views answered
        pairs.append(("perception_gap", gap))
    if response is not None:
        pairs += (("response_rate", response), ("checkin_regularity", regularity))
    values = WeekValues()
    values.fill(pairs)
    figures = WeekFigures(week, values)
    if escalations:
        zone = timeline.account.timezone
        start = weeks.week_start(week - WINDOW + 1, zone)
        escalation_figures(figures, escalations, start, weeks.as_of(week, zone, now))
    if week >= timeline.current - 1:  # the week in progress and the last completed one
        if sponsor[0] is not None:
            figures.sponsor = dict(zip(RATED_KEYS, sponsor, strict=True))
        if sam[0] is not None:
            figures.sam = dict(zip(RATED_KEYS, sam, strict=True))
        if gap is not None:
            figures.gap = {key: figures.sponsor[key] - figures.sam[key] for key in RATED_KEYS}
    timeline.weeks[week] = figures
