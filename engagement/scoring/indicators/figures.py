"""What the indicators are computed for and into: accounts, weeks of figures, timelines.

The types and constants every part of the computation shares, and the reads they all
start from (which accounts, from when), so that each family of indicators
(`checkins`, `escalations`) can be read and summed on its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import (
    CTE,
    Boolean,
    ColumnElement,
    Date,
    Dialect,
    Executable,
    Float,
    Integer,
    Select,
    String,
    Text,
    TypeDecorator,
    and_,
    bindparam,
    column,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeEngine

from engagement.indicators import RATED
from engagement.models import Account, Person, Role, Sponsorship, UTCDateTime
from engagement.scoring import weeks
from engagement.scoring.indicators.values import WeekValues

WINDOW = 4
"""Weeks in each indicator's trailing window."""
HISTORY = 12
"""Weeks of indicators computed back from the current one (the chart's span)."""
RATED_KEYS: tuple[str, ...] = tuple(RATED)
STREAK_WEEKS = 8
"""How far back missed check-ins are followed: a longer streak shows as 8 (or 4 monthly)."""
MAX_LISTED = 900
"""Accounts named one by one in a statement; for more, every account is read and the rest
filtered in Python, which keeps the statement small."""


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


NO_VIEW: Mapping[str, float] = MappingProxyType({})
"""The views of a week nobody answered, or not kept: one shared empty mapping, where an
empty dict for each of three views took a quarter of a 2,000-account digest's figures."""


@dataclass(slots=True)
class WeekFigures:
    """Every indicator of one account for one week (a key is absent when there is no data).

    `values` holds the combined view of the five rated indicators under their own keys
    and the computed indicators (`engagement.indicators.COMPUTED`). The sponsor's and
    the SAM's views and their gaps are kept for the current week (cards) and the last
    completed one (alerts) only.
    """

    week: int
    values: WeekValues = field(default_factory=WeekValues)
    sponsor: Mapping[str, float] = field(default_factory=lambda: NO_VIEW)
    sam: Mapping[str, float] = field(default_factory=lambda: NO_VIEW)
    gap: Mapping[str, float] = field(default_factory=lambda: NO_VIEW)
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


_SAM = aliased(Person)
_ACCOUNTS = (
    select(
        Account.id,
        Account.name,
        Account.timezone,
        Account.cadence,
        Account.channel,
        Account.digest_channel,
        _SAM.slack_user_id,
        _SAM.display_name,
    )
    .outerjoin(
        Sponsorship,
        and_(
            Sponsorship.account_id == Account.id,
            Sponsorship.role == Role.SAM,
            Sponsorship.ended_at.is_(None),
        ),
    )
    .outerjoin(_SAM, _SAM.id == Sponsorship.person_id)
    .order_by(Account.name, Account.id)
)
"""Built once, narrowed per call (building a statement costs about what running it does)."""


def load_accounts(session: Session, scope: ColumnElement[bool]) -> list[AccountRef]:
    """Accounts matching `scope` (a condition on Account) with their SAM, by name."""
    rows = session.connection().execute(_ACCOUNTS.where(scope)).all()
    seen: dict[int, AccountRef] = {}
    for row in rows:
        seen.setdefault(row[0], AccountRef(*row))
    return list(seen.values())


def listed_ids(listed: bool) -> Select[Any]:
    """The accounts' IDs as a subquery of a statement built once: those named in the
    parameter `account_ids` (`id_parameters`) when `listed`, else every account's."""
    if not listed:
        return select(Account.id)
    return select(Account.id).where(Account.id.in_(bindparam("account_ids", expanding=True)))


def id_parameters(accounts: Sequence[AccountRef]) -> tuple[bool, dict[str, Any]]:
    """Whether `accounts` are named one by one (`listed_ids`), and the parameters that name
    them."""
    if len(accounts) > MAX_LISTED:
        return False, {}
    return True, {"account_ids": [account.id for account in accounts]}


def earliest_start(week: int) -> datetime:
    """The first instant of `week` anywhere: where it starts on the earliest wall clock on
    Earth. Events since then can fall in that week in some account's own zone."""
    return weeks.week_start(week, "Pacific/Kiritimati")


COLUMNS: dict[str, TypeEngine[Any]] = {
    "zone": String(),
    "week": Integer(),
    "monday": Date(),
    "next_monday": Date(),
    "window_starts": UTCDateTime(),
    "ends": UTCDateTime(),
    "as_of": UTCDateTime(),
    "scored": Boolean(),
}
"""The columns of `week_table`, with their types."""


def week_rows(
    current: Mapping[str, int], now: datetime, first: int, last: int, history: int = HISTORY
) -> list[tuple[Any, ...]]:
    """Weeks `first` to `last` in each time zone, as `week_table`'s rows: the week's Monday
    and the next (check-in periods are dates), where its trailing window of WINDOW weeks
    starts and where the week ends in the zone (events are instants), the instant its
    figures are read (`weeks.as_of`), and whether it is one of the last `history` weeks up
    to the zone's current week in `current`."""
    return [
        (
            zone,
            week,
            weeks.monday(week),
            weeks.monday(week + 1),
            weeks.week_start(week - WINDOW + 1, zone),
            weeks.week_end(week, zone),
            weeks.as_of(week, zone, now),
            zone_week - history < week <= zone_week,
        )
        for zone, zone_week in current.items()
        for week in range(first, last + 1)
    ]


class WeekRows(TypeDecorator[list[tuple[Any, ...]]]):
    """`week_rows` as one JSON parameter: each value as the database keeps its column's
    type (SQLite compares dates and instants as text), so the table it becomes compares
    with stored values exactly as a bound parameter would."""

    impl = Text()
    cache_ok = True

    def process_bind_param(self, value: list[tuple[Any, ...]] | None, dialect: Dialect) -> str:
        kinds = [
            (name, kind.dialect_impl(dialect).bind_processor(dialect))
            for name, kind in COLUMNS.items()
        ]
        rows = [
            {
                name: process(item) if process else item
                for (name, process), item in zip(kinds, row, strict=True)
            }
            for row in value or []
        ]
        return json.dumps(rows, default=_iso)


def _iso(value: Any) -> str:
    """Dates and instants the driver would have bound as they are (PostgreSQL), in JSON."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a week table's value")


class json_rows(FunctionElement[Any]):
    """The rows of the `weeks` parameter (`WeekRows`), as a subquery with `COLUMNS`."""

    inherit_cache = True
    name = "json_rows"


@compiles(json_rows)
def _json_rows(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    types = compiler.dialect.type_compiler_instance
    columns = ", ".join(f"{name} {types.process(kind)}" for name, kind in COLUMNS.items())
    rows = compiler.process(element.clauses, **kw)
    return f"(SELECT * FROM json_to_recordset(CAST({rows} AS JSON)) AS week_rows({columns}))"


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    columns = ", ".join(f"json_extract(value, '$.{name}') AS {name}" for name in COLUMNS)
    return f"(SELECT {columns} FROM json_each({compiler.process(element.clauses, **kw)}))"


def week_table() -> CTE:
    """The table of `week_rows` the aggregates join, from one parameter (`week_parameters`):
    one statement whatever the number of zones and weeks, where a bound parameter for each
    value made the card's statement 20,000 characters with 211 parameters, which the
    driver parsed again on every run. SQLite materialises it (3.35 and later), instead of
    reading the JSON again for each account."""
    rows = json_rows(bindparam("weeks", type_=WeekRows()))
    source = rows.table_valued(*[column(name, kind) for name, kind in COLUMNS.items()])
    return select(*source.c).cte("zone_weeks").prefix_with("MATERIALIZED", dialect="sqlite")


def week_parameters(rows: Sequence[tuple[Any, ...]]) -> dict[str, Any]:
    return {"weeks": list(rows)}


@dataclass(frozen=True)
class Span:
    """The weeks some accounts' figures cover: each zone's current week, the earliest and
    latest week any of them needs, and those weeks as the rows of `figures.week_table`."""

    current: dict[str, int]
    first: int
    last: int
    rows: list[tuple[Any, ...]]

    def parameters(self, now: datetime) -> dict[str, Any]:
        """The values of the weeks table and of the bounds the aggregates read."""
        return {
            **week_parameters(self.rows),
            "now": now,
            "first_monday": weeks.monday(self.first),
            "end_monday": weeks.monday(self.last + 1),
        }


def current_weeks(
    accounts: Iterable[AccountRef], now: datetime, week: int | None = None
) -> dict[str, int]:
    """Each of the accounts' zones' current week as of `now`, or `week` for all."""
    return {
        zone: weeks.local_week(now, zone) if week is None else week
        for zone in {account.timezone for account in accounts}
    }


def span(
    accounts: Iterable[AccountRef], now: datetime, week: int | None = None, history: int = HISTORY
) -> Span | None:
    """The span of `accounts`' last `history` weeks as of `now` (ending at `week` for all,
    when given); None without accounts."""
    current = current_weeks(accounts, now, week)
    if not current:
        return None
    first, last = min(current.values()) - (history + WINDOW - 1) + 1, max(current.values())
    return Span(current, first, last, week_rows(current, now, first, last, history))


class week_number(FunctionElement[int]):
    """The week of a date column, numbered as `weeks.week_of` numbers it."""

    type = Integer()
    inherit_cache = True
    name = "week_number"


@compiles(week_number)
def _week_number(element: week_number, compiler: SQLCompiler, **kw: Any) -> str:
    """Days since 0001-01-01 (ordinal - 1), divided by 7 (PostgreSQL: date - date is days)."""
    return f"(({compiler.process(element.clauses, **kw)} - DATE '0001-01-01') / 7)"


@compiles(week_number, "sqlite")
def _week_number_sqlite(element: week_number, compiler: SQLCompiler, **kw: Any) -> str:
    """The same from the Julian day (0001-01-01 is Julian day 1721425.5)."""
    day = compiler.process(element.clauses, **kw)
    return f"(CAST(julianday({day}) - 1721425.5 AS INTEGER) / 7)"


class greatest(FunctionElement[float]):
    """The largest of its arguments (NULL if any is NULL)."""

    type = Float()
    inherit_cache = True
    name = "greatest"


@compiles(greatest)
def _greatest(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite's max() of several arguments is the scalar function."""
    return f"max({compiler.process(element.clauses, **kw)})"


def fetch_all(
    session: Session, statement: Executable, parameters: Mapping[str, Any] | None = None
) -> Sequence[Any]:
    """All rows at once through Core (no ORM loading): the fastest fetch for bulk reads."""
    return session.connection().execute(statement, parameters).all()


def everyone() -> ColumnElement[bool]:
    return true()
