"""Leading indicators for many accounts and weeks in a fixed number of set-based queries.

The database does the heavy part: one SQL aggregate sums each account's weeks and slides
the 4-week windows over them with a window function (`checkins.weekly_figures`). Weeks
are the ISO weeks of each check-in's `period_start`, which is already a date on the
recipient's wall clock, and of other events in the account's own zone.
The number of statements is the same for one account or two thousand.

Modules: `figures` (the accounts, weeks and timelines computed into; `values`, a week's
indicators by name), `checkins` (what
check-ins, answers and advocacy logs give), `escalations` (what escalations give),
`timeline` (`compute`, putting them together per account and week).
"""

from engagement.scoring.indicators.figures import (
    HISTORY,
    RATED_KEYS,
    STREAK_WEEKS,
    WINDOW,
    AccountRef,
    MissedStreak,
    Span,
    Timeline,
    WeekFigures,
    earliest_start,
    everyone,
    id_parameters,
    listed_ids,
    load_accounts,
    span,
    week_table,
)
from engagement.scoring.indicators.timeline import compute

__all__ = [
    "HISTORY",
    "RATED_KEYS",
    "STREAK_WEEKS",
    "WINDOW",
    "AccountRef",
    "MissedStreak",
    "Span",
    "Timeline",
    "WeekFigures",
    "compute",
    "earliest_start",
    "everyone",
    "id_parameters",
    "listed_ids",
    "load_accounts",
    "span",
    "week_table",
]
