"""The indicators that come from check-ins and advocacy logs, for all accounts at once.

Rated indicators (the 4-week means of the five ratings, the sponsor's and the SAM's views),
the response rate, check-in regularity and advocacy actions: one SQL aggregate gives them
for every account and week. It sums each account's week (check-ins joined with the latest
answer revision of each; advocacy actions logged in the week on the account's wall clock),
then sums those over each trailing window of WINDOW weeks with a window function, and
divides. Which periods are still unanswered comes from the same rows, and sponsors'
streaks of missed check-ins from one more query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Executable,
    Float,
    FromClause,
    Integer,
    Over,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session, aliased

from engagement.checkins.items import is_latest_revision
from engagement.models import (
    Account,
    AdvocacyAction,
    Answer,
    CheckIn,
    CheckInState,
    Person,
    Role,
    UTCDateTime,
)
from engagement.scoring.indicators.figures import (
    RATED_KEYS,
    WINDOW,
    AccountRef,
    MissedStreak,
    Span,
    fetch_all,
    greatest,
    id_parameters,
    listed_ids,
    week_number,
    week_table,
)

ZERO, ONE, HUNDRED = (literal_column(f"{number}", Integer()) for number in (0, 1, 100))
"""Numbers written into the weekly statement: as bound parameters, its 73 zeros alone were
bound and sent on every run."""


@lru_cache(maxsize=2)
def _missed_statement(listed: bool) -> Executable:
    """Built once per shape (`figures.listed_ids`): each sponsor's check-ins that expired
    after their latest one answered or skipped (closed by the parameter `now`, since
    `start`), found in the database rather than every closed check-in sent back."""
    start, now = bindparam("start", type_=Date()), bindparam("now", type_=UTCDateTime())
    kept = aliased(CheckIn)

    def closed(checkin: type[CheckIn]) -> ColumnElement[bool]:
        return or_(checkin.closed_at.is_(None), checkin.closed_at <= now)

    last_kept = (
        select(func.max(kept.period_start))
        .where(
            kept.account_id == CheckIn.account_id,
            kept.person_id == CheckIn.person_id,
            kept.role == Role.SPONSOR,
            kept.period_start >= start,
            kept.state.in_([CheckInState.ANSWERED, CheckInState.SKIPPED]),
            closed(kept),
        )
        .scalar_subquery()
    )
    return (
        select(
            CheckIn.account_id,
            CheckIn.person_id,
            Person.slack_user_id,
            Person.display_name,
            CheckIn.period_start,
        )
        .join(Person, Person.id == CheckIn.person_id)
        .where(
            CheckIn.account_id.in_(listed_ids(listed)),
            CheckIn.role == Role.SPONSOR,
            CheckIn.period_start >= start,
            CheckIn.state == CheckInState.EXPIRED,
            closed(CheckIn),
            or_(last_kept.is_(None), CheckIn.period_start > last_kept),
        )
        .order_by(CheckIn.account_id, CheckIn.person_id, CheckIn.period_start)
    )


def missed_streaks(
    session: Session, accounts: Sequence[AccountRef], start: date, now: datetime
) -> dict[int, list[MissedStreak]]:
    """Sponsors whose latest closed check-ins expired unanswered two or more times running."""
    listed, named = id_parameters(accounts)
    rows = fetch_all(session, _missed_statement(listed), {**named, "start": start, "now": now})
    runs: dict[tuple[int, int], tuple[str | None, str, list[date]]] = {}
    for account_id, person_id, user_id, name, period in rows:
        runs.setdefault((account_id, person_id), (user_id, name, []))[2].append(period)
    result: dict[int, list[MissedStreak]] = defaultdict(list)
    for (account_id, person_id), (user_id, name, streak) in runs.items():
        if len(streak) >= 2:
            result[account_id].append(MissedStreak(person_id, user_id, name, tuple(streak)))
    return result


def _mean(total: ColumnElement[Any], count: ColumnElement[Any]) -> ColumnElement[Any]:
    """total / count as a float, NULL when nothing was counted."""
    return case((count > ZERO, cast(total, Float) / count))


BATCH = 1000
"""Rows of `weekly_figures` fetched at a time: from SQLite as it steps through them, from
PostgreSQL through a server-side cursor (its driver would otherwise hold them all)."""
_PLAN_WHOLE = text("SET LOCAL cursor_tuple_fraction = 1")
"""PostgreSQL plans a cursor for its first tenth of rows; this one is read to the end (for
a cursor planned that way, a 2,000-account digest took 0.4 s longer). It holds until the
transaction ends: any other cursor in it is read to the end too."""


def weekly_figures(
    session: Session, accounts: Sequence[AccountRef], span: Span, now: datetime
) -> Iterator[Any]:
    """Per account and week of `span` in the account's zone, the figures of the window
    ending that week, in one statement (built once, `_weekly_statement`), streamed BATCH
    rows at a time: two thousand accounts' rows held at once were half of a digest's memory.

    Each row: account ID, week, scored (`table.scored`), check-ins counted and answered in
    the week itself, then over the window: response rate, regularity, advocacy actions
    (for scored weeks; 0 for the others),
    the means of the five ratings by the sponsor, by the SAM and combined, and the widest
    gap between the sponsor's and the SAM's (NULL where nobody answered). Rows are those
    scored, and any other week with check-ins out.
    """
    listed, named = id_parameters(accounts)
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.execute(_PLAN_WHOLE)
    result = connection.execute(
        _weekly_statement(listed, gathered=postgresql),
        {**span.parameters(now), **named},
        execution_options={"stream_results": postgresql},
    )
    for batch in result.partitions(BATCH):
        yield from batch


@lru_cache(maxsize=4)
def _weekly_statement(listed: bool, gathered: bool) -> Select[Any]:
    """`weekly_figures`'s statement for the accounts `listed` or all (`figures.listed_ids`),
    the latest answers `gathered` or not (`_latest_answers`); its values, the weeks
    table's too (`figures.week_table`), are parameters."""
    table, ids = week_table(), listed_ids(listed)
    now = bindparam("now", type_=UTCDateTime())
    grid = (
        select(Account.id.label("account_id"), *table.c)
        .join(table, table.c.zone == Account.timezone)
        .where(Account.id.in_(ids))
        .cte("grid")
    )
    per_week = _checkin_weeks(ids, now, gathered)
    weekly = per_week.c
    slot = case((func.coalesce(weekly.sent, ZERO) > ZERO, ONE), else_=ZERO)
    sums = [column.key for column in weekly if column.key not in ("account_id", "week", "held")]

    # running totals over each account's weeks (one window for all), then each trailing
    # window as its running total less the one WINDOW weeks before (the grid has every week)
    def running_total(value: ColumnElement[Any]) -> Over[Any]:
        return func.sum(value).over(partition_by=grid.c.account_id, order_by=grid.c.week)

    running = (
        select(
            grid.c.account_id,
            grid.c.week,
            grid.c.scored,
            grid.c.window_starts,
            grid.c.ends,
            func.coalesce(weekly.sent, ZERO).label("sent_week"),
            func.coalesce(weekly.answered, ZERO).label("answered_week"),
            *[running_total(func.coalesce(weekly[key], ZERO)).label(key) for key in sums],
            running_total(func.coalesce(weekly.held, ZERO) * slot).label("held"),
            running_total(slot).label("slots"),
        )
        .select_from(grid)
        .outerjoin(
            per_week, and_(weekly.account_id == grid.c.account_id, weekly.week == grid.c.week)
        )
        .subquery("running")
    )
    r = running.c

    def earlier(value: ColumnElement[Any]) -> ColumnElement[Any]:
        """The value WINDOW rows (weeks) before, 0 before the first."""
        lag = func.lag(value, literal_column(f"{WINDOW}"))
        return func.coalesce(lag.over(partition_by=r.account_id, order_by=r.week), ZERO)

    checkins = select(
        r.account_id,
        r.week,
        r.scored,
        r.window_starts,
        r.ends,
        r.sent_week,
        r.answered_week,
        *[(r[key] - earlier(r[key])).label(key) for key in (*sums, "held", "slots")],
    ).subquery("checkin_windows")
    c = checkins.c
    advocacy = (
        select(func.count())
        .where(
            AdvocacyAction.account_id == c.account_id,
            AdvocacyAction.logged_at >= c.window_starts,
            AdvocacyAction.logged_at < c.ends,
            AdvocacyAction.logged_at <= now,
        )
        .scalar_subquery()
    )
    both = c.n_sponsor + c.n_sam
    sponsor = [_mean(c[f"sponsor_{n}"], c.n_sponsor) for n in range(len(RATED_KEYS))]
    sam = [_mean(c[f"sam_{n}"], c.n_sam) for n in range(len(RATED_KEYS))]
    return select(
        c.account_id,
        c.week,
        c.scored,
        c.sent_week,
        c.answered_week,
        _mean(c.answered * HUNDRED, c.settled),
        _mean(c.held * HUNDRED, c.slots),
        case((c.scored, advocacy), else_=ZERO),
        *sponsor,
        *sam,
        *[_mean(c[f"sponsor_{n}"] + c[f"sam_{n}"], both) for n in range(len(RATED_KEYS))],
        greatest(*[func.abs(mine - theirs) for mine, theirs in zip(sponsor, sam, strict=True)]),
    ).where(or_(c.scored, c.sent_week > ZERO))


def _latest_answers(
    in_span: ColumnElement[bool], gathered: bool
) -> tuple[FromClause, ColumnElement[bool]]:
    """The answers, and the condition that keeps each check-in's latest revision.

    Each check-in's newer revisions are looked up in the revisions' unique index, as
    SQLite plans it. `gathered`: the span's answers are gathered first and the latest
    found among them, for PostgreSQL, which planned that look-up as a hash of every answer
    ever given (0.2 s of a 2,000-account digest; gathered first, SQLite took longer)."""
    if not gathered:
        return Answer.__table__, is_latest_revision()
    revisions = (
        select(Answer.__table__)
        .join(CheckIn, CheckIn.id == Answer.checkin_id)
        .where(in_span)
        .cte("span_answers")
        .prefix_with("MATERIALIZED")
    )
    newer_in_span = revisions.alias("newer")
    latest = select(revisions).where(
        ~exists().where(
            newer_in_span.c.checkin_id == revisions.c.checkin_id,
            newer_in_span.c.revision > revisions.c.revision,
        )
    )
    return latest.subquery("latest"), true()


def _checkin_weeks(ids: Select[Any], now: ColumnElement[datetime], gathered: bool) -> Subquery:
    """Per account and week from the parameter `first_monday` to `end_monday`: check-ins
    counted, answered and settled, answers by role and the sums of their ratings, and
    whether an alignment meeting was held (`gathered`: see `_latest_answers`)."""
    in_span = and_(
        CheckIn.account_id.in_(ids),
        CheckIn.period_start >= bindparam("first_monday", type_=Date()),
        CheckIn.period_start < bindparam("end_monday", type_=Date()),
    )
    latest, is_latest = _latest_answers(in_span, gathered)
    answer = latest.c
    sent = and_(CheckIn.sent_at.is_not(None), CheckIn.sent_at <= now)
    counted = and_(sent, CheckIn.state != CheckInState.SKIPPED)
    # the response rate counts settled check-ins only: one still waiting for its answer is
    # not a miss yet (so the rate does not dip every Monday morning), and a skip never is
    settled = and_(sent, CheckIn.state.in_([CheckInState.ANSWERED, CheckInState.EXPIRED]))
    sponsor = CheckIn.role == Role.SPONSOR
    answered = answer.id.is_not(None)

    def by(role: ColumnElement[bool], value: Any) -> ColumnElement[Any]:
        return func.sum(case((and_(role, answered), value), else_=ZERO))

    rated = [answer[key] for key in RATED_KEYS]
    week = week_number(CheckIn.period_start)
    return (
        select(
            CheckIn.account_id,
            week.label("week"),
            func.sum(case((counted, ONE), else_=ZERO)).label("sent"),
            func.sum(
                case((and_(counted, CheckIn.state == CheckInState.ANSWERED), ONE), else_=ZERO)
            ).label("answered"),
            func.sum(case((settled, ONE), else_=ZERO)).label("settled"),
            func.max(case((answer.alignment_meeting_held, ONE), else_=ZERO)).label("held"),
            by(sponsor, ONE).label("n_sponsor"),
            by(~sponsor, ONE).label("n_sam"),
            *[by(sponsor, column).label(f"sponsor_{n}") for n, column in enumerate(rated)],
            *[by(~sponsor, column).label(f"sam_{n}") for n, column in enumerate(rated)],
        )
        .select_from(CheckIn)
        .outerjoin(
            latest, and_(answer.checkin_id == CheckIn.id, is_latest, answer.submitted_at <= now)
        )
        .where(in_span)
        .group_by(CheckIn.account_id, week)
        .subquery("checkin_weeks")
    )


class Unanswered:
    """Per account, whether its latest week with check-ins out has no answer at all, from
    the rows of `weekly_figures` as they come."""

    def __init__(self) -> None:
        self.latest: dict[int, tuple[int, int]] = {}

    def see(self, row: Any) -> None:
        account_id, week, _, sent, answered = row[:5]
        if sent and (account_id not in self.latest or week > self.latest[account_id][0]):
            self.latest[account_id] = (week, answered)

    def by_account(self) -> dict[int, bool]:
        return {account_id: answered == 0 for account_id, (_, answered) in self.latest.items()}
