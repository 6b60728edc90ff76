"""Scorecards for many accounts and weeks: indicators and manual actuals against the KPIs."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import itemgetter

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from engagement.models import KpiSource
from engagement.scoring import indicators, kept
from engagement.scoring.indicators import HISTORY, AccountRef, Span, Timeline
from engagement.scoring.indicators.figures import current_weeks, fetch_all
from engagement.scoring.kpis import (
    Actuals,
    Kpi,
    ManualActuals,
    actuals_as_of,
    actuals_statement,
    load_kpis,
)
from engagement.scoring.scorecard import Score, Status, Trend, overall, status_of, trend

TREND_WEEKS = 4
"""Trend arrows compare with this many weeks earlier."""


@dataclass(frozen=True, slots=True)
class WeekScore:
    """One account's scorecard for one week."""

    week: int
    actuals: tuple[float | None, ...]
    statuses: tuple[Status | None, ...]
    score: Score


@dataclass(frozen=True, slots=True)
class KpiLine:
    """A KPI on the current scorecard, with its value four weeks earlier."""

    kpi: Kpi
    actual: float | None
    status: Status | None
    before: float | None
    trend: Trend
    weighted: float | None
    """Its share of the overall score (points out of 100), None without data."""


@dataclass(slots=True)
class AccountScores:
    """An account's indicators, and its scorecard for each of the last HISTORY weeks."""

    timeline: Timeline
    kpis: list[Kpi]
    weeks: dict[int, WeekScore]

    @property
    def account(self) -> AccountRef:
        return self.timeline.account

    @property
    def current(self) -> WeekScore:
        return self.weeks[self.timeline.current]

    def at(self, week: int) -> WeekScore | None:
        return self.weeks.get(week)

    @property
    def earlier(self) -> WeekScore | None:
        return self.at(self.timeline.current - TREND_WEEKS)

    @property
    def score_trend(self) -> Trend:
        before = self.earlier
        return trend(_num(self.current.score.score), _num(before.score.score) if before else None)

    def lines(self, only: Collection[Status] | None = None) -> list[KpiLine]:
        """The scorecard's lines; `only`: those of these statuses (a digest's off target)."""
        now, before = self.current, self.earlier
        result = []
        for index, kpi in enumerate(self.kpis):
            if only is not None and now.statuses[index] not in only:
                continue
            old = before.actuals[index] if before else None
            contribution = now.score.contributions[index] if now.score.contributions else None
            result.append(
                KpiLine(
                    kpi=kpi,
                    actual=now.actuals[index],
                    status=now.statuses[index],
                    before=old,
                    trend=trend(now.actuals[index], old, lower_is_better=kpi.lower_is_better),
                    weighted=float(contribution) if contribution is not None else None,
                )
            )
        return result


def _num(value: int | None) -> float | None:
    return None if value is None else float(value)


def score_week(kpis: list[Kpi], actuals: tuple[float | None, ...], week: int) -> WeekScore:
    statuses = tuple(
        None if value is None else status_of(value, kpi.thresholds)
        for kpi, value in zip(kpis, actuals, strict=True)
    )
    return WeekScore(week, actuals, statuses, overall(tuple(k.weight for k in kpis), statuses))


class History(enum.Enum):
    """Where a scorecard's weeks before the last completed one come from."""

    COMPUTED = "computed"
    """Computed from what they count, every time."""
    KEPT = "kept"
    """Kept weeks that still hold (`kept`); the others computed."""
    KEEP = "keep"
    """The same, and the completed weeks computed are kept (a digest being posted)."""


RECENT = 2
"""The weeks always computed: the week in progress and the last completed one."""


def score_accounts(
    session: Session,
    scope: ColumnElement[bool],
    *,
    now: datetime,
    week: int | None = None,
    history: History = History.COMPUTED,
) -> list[AccountScores]:
    """Scorecards of the accounts matching `scope`, by name, in a fixed number of queries."""
    accounts = indicators.load_accounts(session, scope)
    return score_loaded(session, accounts, now=now, week=week, history=history)


def score_loaded(
    session: Session,
    accounts: list[AccountRef],
    *,
    now: datetime,
    week: int | None = None,
    history: History = History.COMPUTED,
) -> list[AccountScores]:
    kpis = load_kpis(session)
    if history is History.COMPUTED:
        return _computed(session, accounts, kpis, now=now, week=week, weeks=HISTORY)
    return _with_kept(session, accounts, kpis, now=now, week=week, keep=history is History.KEEP)


def _computed(
    session: Session,
    accounts: list[AccountRef],
    kpis: list[Kpi],
    *,
    now: datetime,
    week: int | None,
    weeks: int,
) -> list[AccountScores]:
    """The accounts' scorecards of their last `weeks` weeks, computed."""
    within = indicators.span(accounts, now, week, weeks)
    timelines = indicators.compute(session, accounts, now=now, within=within)
    manual: ManualActuals = {}
    if within is not None and any(kpi.source is KpiSource.MANUAL for kpi in kpis):
        manual = _manual_actuals(session, accounts, within)
    return [_score(timelines[account.id], kpis, manual, weeks) for account in accounts]


def _with_kept(
    session: Session,
    accounts: list[AccountRef],
    kpis: list[Kpi],
    *,
    now: datetime,
    week: int | None,
    keep: bool,
) -> list[AccountScores]:
    """The last HISTORY weeks: kept ones that hold, the others computed. An account with
    every earlier week kept has only its RECENT weeks computed; any other, all of them."""
    current = current_weeks(accounts, now, week)
    if not current:
        return []
    fingerprint = kept.fingerprint(kpis)
    saw = kept.seen(session) if keep else None  # before any figure is read
    found = kept.load(
        session,
        accounts,
        fingerprint,
        first=min(current.values()) - HISTORY + 1,
        last=max(current.values()) - RECENT,
        now=now,
    )
    recent: list[AccountRef] = []
    whole: list[AccountRef] = []
    for account in accounts:
        last = current[account.timezone]
        mine = found.get(account.id, {})
        earlier = range(last - HISTORY + 1, last - RECENT + 1)
        (recent if all(number in mine for number in earlier) else whole).append(account)
    computed = {
        scores.account.id: scores
        for group, weeks in ((recent, RECENT), (whole, HISTORY))
        if group
        for scores in _computed(session, group, kpis, now=now, week=week, weeks=weeks)
    }
    if saw is not None:
        kept.keep(session, _completed(computed.values()), fingerprint, saw, now)
    weights = tuple(kpi.weight for kpi in kpis)
    for account in recent:
        scored = computed[account.id].weeks
        for number, (statuses, actuals) in found[account.id].items():
            scored.setdefault(
                number, WeekScore(number, actuals, statuses, overall(weights, statuses))
            )
    return [computed[account.id] for account in accounts]


def _completed(scored: Iterable[AccountScores]) -> Iterator[kept.Week]:
    """The completed weeks of freshly computed scorecards."""
    for scores in scored:
        account = scores.account
        for number, week in scores.weeks.items():
            if number < scores.timeline.current:
                yield kept.Week(account.id, account.timezone, number, week.statuses, week.actuals)


def _manual_actuals(session: Session, accounts: list[AccountRef], within: Span) -> ManualActuals:
    """The manual KPIs' value as of each scored week: the values any of the weeks can take,
    read in one statement, then each week's found in order (`kpis.actuals_as_of`)."""
    reads: dict[str, list[tuple[int, datetime]]] = defaultdict(list)
    for zone, week, *_, as_of, scored in within.rows:
        if scored:
            reads[zone].append((week, as_of))
    for read in reads.values():
        read.sort(key=itemgetter(1))  # by the instant each week is read
    instants = [instant for read in reads.values() for _, instant in read]
    listed, named = indicators.id_parameters(accounts)
    bounds = {"first_as_of": min(instants), "last_as_of": max(instants)}
    rows = fetch_all(session, _actuals_statement(listed), {**named, **bounds})
    return actuals_as_of(rows, {account.id: account.timezone for account in accounts}, reads)


@lru_cache(maxsize=2)
def _actuals_statement(listed: bool) -> Actuals:
    """The manual KPIs' statement, built once per shape (`indicators.listed_ids`)."""
    return actuals_statement(indicators.listed_ids(listed))


def _score(timeline: Timeline, kpis: list[Kpi], manual: ManualActuals, weeks: int) -> AccountScores:
    account_id = timeline.account.id
    weights = tuple(kpi.weight for kpi in kpis)
    plan = [(kpi.source is KpiSource.INDICATOR, kpi.key, kpi.id) for kpi in kpis]
    limits = [kpi.thresholds for kpi in kpis]
    result: dict[int, WeekScore] = {}
    for week in range(timeline.current - weeks + 1, timeline.current + 1):
        found = timeline.weeks.get(week)
        figures = found.values if found is not None else {}
        actuals = tuple(
            [
                figures.get(key) if computed else manual.get((account_id, week, kpi_id))
                for computed, key, kpi_id in plan
            ]
        )
        statuses = tuple(
            [
                None if value is None else status_of(value, thresholds)
                for value, thresholds in zip(actuals, limits, strict=True)
            ]
        )
        result[week] = WeekScore(week, actuals, statuses, overall(weights, statuses))
    return AccountScores(timeline, kpis, result)
