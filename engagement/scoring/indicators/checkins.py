"""The indicators that come from check-ins and advocacy logs, for all accounts at once.

Rated indicators (the 4-week means of the five ratings, the sponsor's and the SAM's views
and their gap), the response rate, check-in regularity and advocacy actions. The database
does the heavy part: one GROUP BY over check-ins joined with the latest answer revision
of each. numpy then slides the 4-week windows over those per-week sums for every account
at once. Which periods are still unanswered comes from the same sums, and sponsors'
streaks of missed check-ins from one more query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import Select, String, and_, case, exists, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from engagement.models import AdvocacyAction, Answer, CheckIn, CheckInState, Person, Role
from engagement.scoring import weeks
from engagement.scoring.indicators.figures import (
    RATED_KEYS,
    SPAN,
    WINDOW,
    AccountRef,
    MissedStreak,
    earliest_start,
    fetch_all,
)

PeriodRow = tuple[Any, ...]
"""(account, period_start, role, sent, answered, settled, answers, meeting held, five rating
sums)."""


def period_sums(
    session: Session, ids: Select[Any], start: date, end: date, now: datetime
) -> list[PeriodRow]:
    """One GROUP BY: per account, role and period, what went out, came back, and its ratings."""
    newer = aliased(Answer)
    is_latest = ~exists().where(
        newer.checkin_id == Answer.checkin_id, newer.revision > Answer.revision
    )
    sent = and_(CheckIn.sent_at.is_not(None), CheckIn.sent_at <= now)
    counted = and_(sent, CheckIn.state != CheckInState.SKIPPED)
    # the response rate counts settled check-ins only: one still waiting for its answer is
    # not a miss yet (so the rate does not dip every Monday morning), and a skip never is
    settled = and_(sent, CheckIn.state.in_([CheckInState.ANSWERED, CheckInState.EXPIRED]))
    rated = [getattr(Answer, key) for key in RATED_KEYS]
    statement = (
        select(
            CheckIn.account_id,
            type_coerce(CheckIn.period_start, String),  # parsed once per distinct date below
            CheckIn.role,
            func.sum(case((counted, 1), else_=0)),
            func.sum(case((and_(counted, CheckIn.state == CheckInState.ANSWERED), 1), else_=0)),
            func.sum(case((settled, 1), else_=0)),
            func.count(Answer.id),
            func.max(case((Answer.alignment_meeting_held, 1), else_=0)),
            *[func.sum(column) for column in rated],
        )
        .select_from(CheckIn)
        .outerjoin(
            Answer, and_(Answer.checkin_id == CheckIn.id, is_latest, Answer.submitted_at <= now)
        )
        .where(
            CheckIn.account_id.in_(ids),
            CheckIn.period_start >= start,
            CheckIn.period_start < end,
        )
        .group_by(CheckIn.account_id, CheckIn.role, CheckIn.period_start)
    )
    parsed: dict[Any, date] = {}
    rows = []
    for row in fetch_all(session, statement):
        raw = row[1]
        period = parsed.get(raw)
        if period is None:
            period = parsed[raw] = raw if isinstance(raw, date) else date.fromisoformat(raw)
        rows.append((row[0], period, *row[2:]))
    return rows


def latest_periods(periods: list[PeriodRow]) -> dict[int, bool]:
    """Per account: True when its latest period with check-ins out has no answer at all."""
    latest: dict[int, list[Any]] = {}
    for account_id, period, _, sent, answered, *_ in periods:
        if not sent:
            continue
        seen = latest.get(account_id)
        if seen is None or period > seen[0]:
            latest[account_id] = [period, int(answered or 0)]
        elif period == seen[0]:
            seen[1] += int(answered or 0)
    return {account_id: answered == 0 for account_id, (_, answered) in latest.items()}


def missed_streaks(
    session: Session, ids: Select[Any], start: date, now: datetime
) -> dict[int, list[MissedStreak]]:
    """Sponsors whose latest closed check-ins expired unanswered two or more times running."""
    rows = fetch_all(
        session,
        select(
            CheckIn.account_id,
            CheckIn.person_id,
            Person.slack_user_id,
            Person.display_name,
            CheckIn.period_start,
            CheckIn.state,
        )
        .join(Person, Person.id == CheckIn.person_id)
        .where(
            CheckIn.account_id.in_(ids),
            CheckIn.role == Role.SPONSOR,
            CheckIn.period_start >= start,
            CheckIn.state.in_([CheckInState.ANSWERED, CheckInState.SKIPPED, CheckInState.EXPIRED]),
            or_(CheckIn.closed_at.is_(None), CheckIn.closed_at <= now),
        )
        .order_by(CheckIn.account_id, CheckIn.person_id, CheckIn.period_start),
    )
    runs: dict[tuple[int, int], tuple[str | None, str, list[date]]] = {}
    for account_id, person_id, user_id, name, period, state in rows:
        _, _, streak = runs.setdefault((account_id, person_id), (user_id, name, []))
        if state == CheckInState.EXPIRED:
            streak.append(period)
        else:
            streak.clear()
    result: dict[int, list[MissedStreak]] = defaultdict(list)
    for (account_id, person_id), (user_id, name, streak) in runs.items():
        if len(streak) >= 2:
            result[account_id].append(MissedStreak(person_id, user_id, name, tuple(streak)))
    return result


def advocacy_logged(
    session: Session, ids: Select[Any], now: datetime, first_week: int
) -> list[tuple[int, datetime]]:
    since = earliest_start(first_week)
    rows = fetch_all(
        session,
        select(AdvocacyAction.account_id, AdvocacyAction.logged_at).where(
            AdvocacyAction.account_id.in_(ids),
            AdvocacyAction.logged_at >= since,
            AdvocacyAction.logged_at <= now,
        ),
    )
    return [(account_id, logged_at) for account_id, logged_at in rows]


# Per-week fields, then summed over each trailing window (one array for all accounts).
SENT, ANSWERED, SETTLED, COUNT_SPONSOR, COUNT_SAM = 0, 1, 2, 3, 4
SUMS_SPONSOR = slice(5, 10)
SUMS_SAM = slice(10, 15)
HELD, SLOTS, ADVOCACY = 15, 16, 17
FIELDS = 18


def window_sums(
    accounts: list[AccountRef],
    first: Any,
    periods: list[PeriodRow],
    advocacy: list[tuple[int, datetime]],
) -> Any:
    """Per-week totals of every account in one array, summed over each trailing window.

    Returns an array (accounts, HISTORY, FIELDS): entry k is the window ending at the
    account's week `first + WINDOW - 1 + k`.
    """
    position = {account.id: index for index, account in enumerate(accounts)}
    data = np.zeros((len(accounts), SPAN, FIELDS))
    if periods:
        columns = list(zip(*periods, strict=True))
        rows = np.fromiter((position.get(a, -1) for a in columns[0]), dtype=np.int64)
        week = np.fromiter(((p.toordinal() - 1) // 7 for p in columns[1]), dtype=np.int64)
        keep = rows >= 0
        offset = week - first[np.where(keep, rows, 0)]
        keep &= (offset >= 0) & (offset < SPAN)
        rows, offset = rows[keep], offset[keep]
        values = np.array([columns[i] for i in range(3, len(columns))], dtype=float)[:, keep]
        values = np.nan_to_num(values)  # sums over no answers are NULL
        sponsor = np.array(columns[2], dtype=object)[keep] == Role.SPONSOR
        sent, answered, settled, rated, held, ratings = (
            values[0],
            values[1],
            values[2],
            values[3],
            values[4],
            values[5:],
        )
        np.add.at(data[:, :, SENT], (rows, offset), sent)
        np.add.at(data[:, :, ANSWERED], (rows, offset), answered)
        np.add.at(data[:, :, SETTLED], (rows, offset), settled)
        np.add.at(data[:, :, COUNT_SPONSOR], (rows, offset), np.where(sponsor, rated, 0))
        np.add.at(data[:, :, COUNT_SAM], (rows, offset), np.where(sponsor, 0, rated))
        for index in range(len(RATED_KEYS)):
            sponsor_field, sam_field = SUMS_SPONSOR.start + index, SUMS_SAM.start + index
            np.add.at(
                data[:, :, sponsor_field], (rows, offset), np.where(sponsor, ratings[index], 0)
            )
            np.add.at(data[:, :, sam_field], (rows, offset), np.where(sponsor, 0, ratings[index]))
        np.maximum.at(data[:, :, HELD], (rows, offset), held)
    data[:, :, SLOTS] = data[:, :, SENT] > 0  # a period is a week at most (weekly cadence)
    data[:, :, HELD] *= data[:, :, SLOTS]
    for account_id, logged_at in advocacy:
        row = position.get(account_id)
        if row is None:
            continue
        logged = weeks.local_week(logged_at, accounts[row].timezone) - int(first[row])
        if 0 <= logged < SPAN:
            data[row, logged, ADVOCACY] += 1
    totals = np.concatenate([np.zeros((len(accounts), 1, FIELDS)), data.cumsum(axis=1)], axis=1)
    return totals[:, WINDOW:, :] - totals[:, :-WINDOW, :]


@dataclass(frozen=True)
class Derived:
    """The indicators of every account and week, as nested lists (NaN: no data)."""

    sponsor: list[list[list[float]]]
    sam: list[list[list[float]]]
    combined: list[list[list[float]]]
    gap: list[list[float]]
    response: list[list[float]]
    regularity: list[list[float]]
    advocacy: list[list[float]]


def derive(windows: Any) -> Derived:
    """Means, gaps and rates for all accounts and weeks at once."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sponsor_count = windows[:, :, COUNT_SPONSOR : COUNT_SPONSOR + 1]
        sam_count = windows[:, :, COUNT_SAM : COUNT_SAM + 1]
        sponsor = windows[:, :, SUMS_SPONSOR] / sponsor_count
        sam = windows[:, :, SUMS_SAM] / sam_count
        combined = (windows[:, :, SUMS_SPONSOR] + windows[:, :, SUMS_SAM]) / (
            sponsor_count + sam_count
        )
        gap = np.abs(sponsor - sam).max(axis=2)  # NaN unless both views have answers
        response = 100.0 * windows[:, :, ANSWERED] / windows[:, :, SETTLED]
        regularity = 100.0 * windows[:, :, HELD] / windows[:, :, SLOTS]
    return Derived(
        sponsor.tolist(),
        sam.tolist(),
        combined.tolist(),
        gap.tolist(),
        response.tolist(),
        regularity.tolist(),
        windows[:, :, ADVOCACY].tolist(),
    )
