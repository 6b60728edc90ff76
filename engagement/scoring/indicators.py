"""Leading indicators for many accounts and weeks in a fixed number of set-based queries.

The database does the heavy part (one GROUP BY over check-ins joined with the latest
answer revision of each); numpy slides the 4-week windows over those per-week sums
for all accounts at once. Weeks are the ISO weeks of each check-in's `period_start`,
which is already a date on the recipient's wall clock, and of other events in the
account's own zone.
The number of statements is the same for one account or two thousand.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    and_,
    case,
    exists,
    func,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from engagement.indicators import RATED
from engagement.models import (
    Account,
    AdvocacyAction,
    Answer,
    CheckIn,
    CheckInState,
    Escalation,
    EscalationState,
    Person,
    Role,
    Sponsorship,
)
from engagement.scoring import weeks

WINDOW = 4
"""Weeks in each indicator's trailing window."""
HISTORY = 12
"""Weeks of indicators computed back from the current one (the chart's span)."""
SPAN = HISTORY + WINDOW - 1
"""Weeks of raw data those windows read."""
RATED_KEYS: tuple[str, ...] = tuple(RATED)
STREAK_WEEKS = 8
"""How far back missed check-ins are followed: a longer streak shows as 8 (or 4 monthly)."""


@dataclass(frozen=True)
class AccountRef:
    """The plain facts about an account that scoring and messages need."""

    id: int
    name: str
    timezone: str
    cadence: str
    channel: str | None
    digest_channel: str
    sam_user_id: str | None
    sam_name: str | None


@dataclass(frozen=True)
class MissedStreak:
    """A sponsor's latest check-ins, all expired unanswered (two or more in a row)."""

    person_id: int
    user_id: str | None
    name: str
    periods: tuple[date, ...]


@dataclass(slots=True)
class WeekFigures:
    """Every indicator of one account for one week (a key is absent when there is no data).

    `values` holds the combined view of the five rated indicators under their own keys
    and the computed indicators (`engagement.indicators.COMPUTED`). The sponsor's and
    the SAM's views and their gaps are kept for the current week only (cards, alerts).
    """

    week: int
    values: dict[str, float] = field(default_factory=dict)
    sponsor: dict[str, float] = field(default_factory=dict)
    sam: dict[str, float] = field(default_factory=dict)
    gap: dict[str, float] = field(default_factory=dict)
    """Sponsor's self-view minus the SAM's view, per rated indicator."""


@dataclass(slots=True)
class Timeline:
    """An account's indicators for the last HISTORY weeks, oldest first."""

    account: AccountRef
    current: int
    weeks: dict[int, WeekFigures]
    unanswered: bool = False
    """The latest period's check-ins went out and nobody has answered yet."""
    missed: list[MissedStreak] = field(default_factory=list)

    def at(self, week: int) -> WeekFigures:
        return self.weeks.get(week) or WeekFigures(week)

    @property
    def now(self) -> WeekFigures:
        return self.at(self.current)


def load_accounts(session: Session, scope: ColumnElement[bool]) -> list[AccountRef]:
    """Accounts matching `scope` (a condition on Account) with their SAM, by name."""
    sam = aliased(Person)
    rows = (
        session.connection()
        .execute(
            select(
                Account.id,
                Account.name,
                Account.timezone,
                Account.cadence,
                Account.channel,
                Account.digest_channel,
                sam.slack_user_id,
                sam.display_name,
            )
            .outerjoin(
                Sponsorship,
                and_(
                    Sponsorship.account_id == Account.id,
                    Sponsorship.role == Role.SAM,
                    Sponsorship.ended_at.is_(None),
                ),
            )
            .outerjoin(sam, sam.id == Sponsorship.person_id)
            .where(scope)
            .order_by(Account.name, Account.id)
        )
        .all()
    )
    seen: dict[int, AccountRef] = {}
    for row in rows:
        seen.setdefault(row[0], AccountRef(*row))
    return list(seen.values())


def _rows(session: Session, statement: Select[Any]) -> Sequence[Row[Any]]:
    """All rows at once through Core (no ORM loading): the fastest fetch for bulk reads."""
    return session.connection().execute(statement).all()


def everyone() -> ColumnElement[bool]:
    return true()


def _span(accounts: Iterable[AccountRef], now: datetime) -> tuple[dict[int, int], int, int]:
    """Each account's current week, and the earliest and latest week any of them needs."""
    current = {account.id: weeks.local_week(now, account.timezone) for account in accounts}
    if not current:
        return current, 0, 0
    return current, min(current.values()) - SPAN + 1, max(current.values())


def compute(session: Session, accounts: list[AccountRef], *, now: datetime) -> dict[int, Timeline]:
    """Timelines for `accounts` as of `now`: a fixed number of queries whatever their count."""
    current, first, last = _span(accounts, now)
    timelines = {
        account.id: Timeline(account=account, current=current[account.id], weeks={})
        for account in accounts
    }
    if not accounts:
        return timelines
    ids = select(Account.id).where(Account.id.in_([a.id for a in accounts]))
    if len(accounts) > 900:  # keep the statement small: filter the rest in Python
        ids = select(Account.id)
    periods = _period_sums(session, ids, weeks.monday(first), weeks.monday(last + 1), now)
    escalations = _escalations(session, ids, now, first)
    advocacy = _advocacy(session, ids, now, first)
    missed = _missed_streaks(session, ids, weeks.monday(last - STREAK_WEEKS + 1), now)
    firsts = np.array([current[a.id] - SPAN + 1 for a in accounts], dtype=np.int64)
    derived = _derive(_windows(accounts, firsts, periods, advocacy))
    latest = _latest_periods(periods)
    for index, account in enumerate(accounts):
        timeline = timelines[account.id]
        _figures(timeline, derived, index, escalations.get(account.id, []), now)
        timeline.missed = missed.get(account.id, [])
        timeline.unanswered = latest.get(account.id, False)
    return timelines


PeriodRow = tuple[Any, ...]
"""(account, period_start, role, sent, answered, settled, answers, meeting held, five rating
sums)."""


def _period_sums(
    session: Session, ids: Select[tuple[int]], start: date, end: date, now: datetime
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
    for row in _rows(session, statement):
        raw = row[1]
        period = parsed.get(raw)
        if period is None:
            period = parsed[raw] = raw if isinstance(raw, date) else date.fromisoformat(raw)
        rows.append((row[0], period, *row[2:]))
    return rows


@dataclass(frozen=True, slots=True)
class _Escalation:
    created_at: datetime
    ack_deadline: datetime
    first_response: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None


def _escalations(
    session: Session, ids: Select[tuple[int]], now: datetime, first_week: int
) -> dict[int, list[_Escalation]]:
    """Escalations that can matter to the span: still open, or touched since it began."""
    since = weeks.week_start(first_week, "Pacific/Kiritimati")  # earliest wall clock on Earth
    rows = _rows(
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
    result: dict[int, list[_Escalation]] = defaultdict(list)
    for account_id, created, deadline, acked, resolved in rows:
        responses = [moment for moment in (acked, resolved) if moment is not None]
        result[account_id].append(
            _Escalation(created, deadline, min(responses) if responses else None, acked, resolved)
        )
    return result


def _advocacy(
    session: Session, ids: Select[tuple[int]], now: datetime, first_week: int
) -> list[tuple[int, datetime]]:
    since = weeks.week_start(first_week, "Pacific/Kiritimati")
    rows = _rows(
        session,
        select(AdvocacyAction.account_id, AdvocacyAction.logged_at).where(
            AdvocacyAction.account_id.in_(ids),
            AdvocacyAction.logged_at >= since,
            AdvocacyAction.logged_at <= now,
        ),
    )
    return [(account_id, logged_at) for account_id, logged_at in rows]


def _missed_streaks(
    session: Session, ids: Select[tuple[int]], start: date, now: datetime
) -> dict[int, list[MissedStreak]]:
    """Sponsors whose latest closed check-ins expired unanswered two or more times running."""
    rows = _rows(
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


# Per-week fields, then summed over each trailing window (one array for all accounts).
SENT, ANSWERED, SETTLED, COUNT_SPONSOR, COUNT_SAM = 0, 1, 2, 3, 4
SUMS_SPONSOR = slice(5, 10)
SUMS_SAM = slice(10, 15)
HELD, SLOTS, ADVOCACY = 15, 16, 17
FIELDS = 18


def _windows(
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
class _Derived:
    """The indicators of every account and week, as nested lists (NaN: no data)."""

    sponsor: list[list[list[float]]]
    sam: list[list[list[float]]]
    combined: list[list[list[float]]]
    gap: list[list[float]]
    response: list[list[float]]
    regularity: list[list[float]]
    advocacy: list[list[float]]


def _derive(windows: Any) -> _Derived:
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
    return _Derived(
        sponsor.tolist(),
        sam.tolist(),
        combined.tolist(),
        gap.tolist(),
        response.tolist(),
        regularity.tolist(),
        windows[:, :, ADVOCACY].tolist(),
    )


def _figures(
    timeline: Timeline,
    derived: _Derived,
    row: int,
    escalations: list[_Escalation],
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
            _escalation_figures(figures, escalations, start, weeks.as_of(week, zone, now))
        timeline.weeks[week] = figures
    now_figures = timeline.weeks[timeline.current]
    for target, source in ((now_figures.sponsor, derived.sponsor), (now_figures.sam, derived.sam)):
        latest = source[row][HISTORY - 1]
        if latest[0] == latest[0]:
            target.update(zip(RATED_KEYS, latest, strict=True))
    if now_figures.sponsor and now_figures.sam:
        for key in RATED_KEYS:
            now_figures.gap[key] = now_figures.sponsor[key] - now_figures.sam[key]


def _latest_periods(periods: list[PeriodRow]) -> dict[int, bool]:
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


def _escalation_figures(
    figures: WeekFigures, escalations: list[_Escalation], start: datetime, end: datetime
) -> None:
    """Open at the week's end; late acknowledgements and median hours over the window."""
    open_now = late = 0
    hours: list[float] = []
    for item in escalations:
        if item.created_at <= end and (item.resolved_at is None or item.resolved_at > end):
            open_now += 1
        if start <= item.ack_deadline < end and (
            item.first_response is None or item.first_response > item.ack_deadline
        ):
            late += 1
        if item.acknowledged_at is not None and start <= item.acknowledged_at < end:
            hours.append((item.acknowledged_at - item.created_at).total_seconds() / 3600)
    figures.values["escalations_open"] = float(open_now)
    figures.values["acknowledged_late"] = float(late)
    if hours:
        figures.values["hours_to_acknowledge"] = statistics.median(hours)
