"""Leading indicators for many accounts and weeks in a fixed number of set-based queries.

The database does the heavy part (one GROUP BY over check-ins joined with the latest
answer revision of each); Python only slides 4-week windows over those per-period
sums. Weeks are the ISO weeks of each check-in's `period_start`, which is already a
date on the recipient's wall clock, and of other events in the account's own zone.
The number of statements is the same for one account or two thousand.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, true
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
    and the computed indicators (`engagement.indicators.COMPUTED`).
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
    rows = session.execute(
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
    ).all()
    seen: dict[int, AccountRef] = {}
    for row in rows:
        seen.setdefault(row[0], AccountRef(*row))
    return list(seen.values())


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
    missed = _missed_streaks(session, ids, weeks.monday(first), now)
    for timeline in timelines.values():
        account_id = timeline.account.id
        _fill(
            timeline,
            periods.get(account_id, {}),
            escalations.get(account_id, []),
            advocacy.get(account_id, []),
            now,
        )
        timeline.missed = missed.get(account_id, [])
    return timelines


@dataclass(slots=True)
class _Period:
    """Sums over one account's check-ins of one period, by role."""

    sent: int = 0
    answered: int = 0
    held: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    sums: dict[str, list[int]] = field(default_factory=dict)


def _period_sums(
    session: Session, ids: object, start: date, end: date, now: datetime
) -> dict[int, dict[date, _Period]]:
    """One GROUP BY: per account, role and period, what went out, came back, and its ratings."""
    newer = aliased(Answer)
    is_latest = ~exists().where(
        newer.checkin_id == Answer.checkin_id, newer.revision > Answer.revision
    )
    sent = and_(CheckIn.sent_at.is_not(None), CheckIn.sent_at <= now)
    counted = and_(sent, CheckIn.state != CheckInState.SKIPPED)
    rated = [getattr(Answer, key) for key in RATED_KEYS]
    statement = (
        select(
            CheckIn.account_id,
            CheckIn.role,
            CheckIn.period_start,
            func.sum(case((counted, 1), else_=0)),
            func.sum(case((and_(counted, CheckIn.state == CheckInState.ANSWERED), 1), else_=0)),
            func.count(Answer.id),
            func.max(case((Answer.alignment_meeting_held, 1), else_=0)),
            *[func.sum(column) for column in rated],
        )
        .select_from(CheckIn)
        .outerjoin(
            Answer, and_(Answer.checkin_id == CheckIn.id, is_latest, Answer.submitted_at <= now)
        )
        .where(
            CheckIn.account_id.in_(ids),  # type: ignore[arg-type]
            CheckIn.period_start >= start,
            CheckIn.period_start < end,
        )
        .group_by(CheckIn.account_id, CheckIn.role, CheckIn.period_start)
    )
    result: dict[int, dict[date, _Period]] = defaultdict(dict)
    for account_id, role, period, n_sent, n_answered, n_rated, held, *sums in session.execute(
        statement
    ):
        slot = result[account_id].setdefault(period, _Period())
        slot.sent += int(n_sent or 0)
        slot.answered += int(n_answered or 0)
        slot.held = slot.held or bool(held)
        if n_rated:
            slot.counts[role] = int(n_rated)
            slot.sums[role] = [int(value) for value in sums]
    return result


@dataclass(frozen=True, slots=True)
class _Escalation:
    created_at: datetime
    ack_deadline: datetime
    first_response: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None


def _escalations(
    session: Session, ids: object, now: datetime, first_week: int
) -> dict[int, list[_Escalation]]:
    """Escalations that can matter to the span: still open, or touched since it began."""
    since = weeks.week_start(first_week, "Pacific/Kiritimati")  # earliest wall clock on Earth
    rows = session.execute(
        select(
            Escalation.account_id,
            Escalation.created_at,
            Escalation.ack_deadline,
            Escalation.acknowledged_at,
            Escalation.resolved_at,
        ).where(
            Escalation.account_id.in_(ids),  # type: ignore[arg-type]
            Escalation.state != EscalationState.CANCELLED,
            Escalation.created_at <= now,
            or_(
                Escalation.resolved_at.is_(None),
                Escalation.resolved_at >= since,
                Escalation.ack_deadline >= since,
            ),
        )
    )
    result: dict[int, list[_Escalation]] = defaultdict(list)
    for account_id, created, deadline, acked, resolved in rows:
        responses = [moment for moment in (acked, resolved) if moment is not None]
        result[account_id].append(
            _Escalation(created, deadline, min(responses) if responses else None, acked, resolved)
        )
    return result


def _advocacy(
    session: Session, ids: object, now: datetime, first_week: int
) -> dict[int, list[datetime]]:
    since = weeks.week_start(first_week, "Pacific/Kiritimati")
    rows = session.execute(
        select(AdvocacyAction.account_id, AdvocacyAction.logged_at)
        .where(
            AdvocacyAction.account_id.in_(ids),  # type: ignore[arg-type]
            AdvocacyAction.logged_at >= since,
            AdvocacyAction.logged_at <= now,
        )
        .order_by(AdvocacyAction.logged_at)
    )
    result: dict[int, list[datetime]] = defaultdict(list)
    for account_id, logged_at in rows:
        result[account_id].append(logged_at)
    return result


def _missed_streaks(
    session: Session, ids: object, start: date, now: datetime
) -> dict[int, list[MissedStreak]]:
    """Sponsors whose latest closed check-ins expired unanswered two or more times running."""
    rows = session.execute(
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
            CheckIn.account_id.in_(ids),  # type: ignore[arg-type]
            CheckIn.role == Role.SPONSOR,
            CheckIn.period_start >= start,
            CheckIn.state.in_([CheckInState.ANSWERED, CheckInState.SKIPPED, CheckInState.EXPIRED]),
            or_(CheckIn.closed_at.is_(None), CheckIn.closed_at <= now),
        )
        .order_by(CheckIn.account_id, CheckIn.person_id, CheckIn.period_start)
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


def _fill(
    timeline: Timeline,
    periods: dict[date, _Period],
    escalations: list[_Escalation],
    advocacy: list[datetime],
    now: datetime,
) -> None:
    """Slide the trailing window over the account's weeks."""
    zone = timeline.account.timezone
    current = timeline.current
    first = current - SPAN + 1
    by_week: dict[int, list[_Period]] = defaultdict(list)
    for period, slot in periods.items():
        by_week[weeks.week_of(period)].append(slot)
    latest_sent = max((p for p, s in periods.items() if s.sent), default=None)
    if latest_sent is not None:
        timeline.unanswered = periods[latest_sent].answered == 0
    for week in range(first + WINDOW - 1, current + 1):
        window = [slot for w in range(week - WINDOW + 1, week + 1) for slot in by_week.get(w, [])]
        figures = WeekFigures(week)
        _rated(figures, window)
        sent = sum(slot.sent for slot in window)
        if sent:
            answered = sum(slot.answered for slot in window)
            figures.values["response_rate"] = 100.0 * answered / sent
            slots = [slot for slot in window if slot.sent]
            held = sum(1 for slot in slots if slot.held)
            figures.values["checkin_regularity"] = 100.0 * held / len(slots)
        start = weeks.week_start(week - WINDOW + 1, zone)
        end = weeks.as_of(week, zone, now)
        _escalation_figures(figures, escalations, start, end)
        figures.values["advocacy_actions"] = float(
            bisect_left(advocacy, end) - bisect_left(advocacy, start)
        )
        timeline.weeks[week] = figures


def _rated(figures: WeekFigures, window: list[_Period]) -> None:
    views: dict[str, dict[str, float]] = {Role.SPONSOR: figures.sponsor, Role.SAM: figures.sam}
    total_count = 0
    total_sums = [0] * len(RATED_KEYS)
    for role, view in views.items():
        count = sum(slot.counts.get(role, 0) for slot in window)
        if not count:
            continue
        sums = [sum(slot.sums[role][i] for slot in window if role in slot.sums) for i in range(5)]
        for index, key in enumerate(RATED_KEYS):
            view[key] = sums[index] / count
            total_sums[index] += sums[index]
        total_count += count
    if total_count:
        for index, key in enumerate(RATED_KEYS):
            figures.values[key] = total_sums[index] / total_count
    if figures.sponsor and figures.sam:
        for key in RATED_KEYS:
            figures.gap[key] = figures.sponsor[key] - figures.sam[key]
        figures.values["perception_gap"] = max(abs(gap) for gap in figures.gap.values())


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
