"""The audit log: who changed what in the portfolio, when, and the values before and after.

Every change, from Slack or from an import, is one `record` in the transaction that makes
it. `actor` is the Slack user ID of whoever made it, or `IMPORT` for the portfolio file;
`subject` names what changed with the helpers below (`account_subject(…)` …), so the
entries about one thing can be found together; `before` and `after` hold only the fields
that changed (None for something added, or removed).

Forgetting a person replaces their Slack ID in the entries as everywhere else, and clears
the free text of the entries they made (`forget_actor`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, exists, func, insert, select
from sqlalchemy.orm import Session

from engagement.models import AuditEntry, Person

IMPORT = "import"
"""The actor of every change a portfolio import makes."""
PORTFOLIO = "portfolio"
"""The subject of the portfolio-wide settings."""
ADMINS = "admins"
"""The subject of who Sherpa's admins are."""
PAGE = 50
FREE_TEXT = frozenset({"description", "mitigation", "note", "notes"})
"""Fields holding what a person typed: cleared from their entries when they are forgotten."""


def account_subject(name: str) -> str:
    return f"account:{name}"


def kpi_subject(key: str) -> str:
    return f"kpi:{key}"


def person_subject(ref: str) -> str:
    return f"person:{ref}"


def person_named(session: Session, person_id: int) -> str:
    """A person as the log names them: their Slack user ID, else their e-mail."""
    person = session.get_one(Person, person_id)
    return person.slack_user_id or person.email or str(person_id)


def risk_subject(account: str, code: str) -> str:
    return f"risk:{account} {code}"


def plain(value: object) -> Any:
    """A value as JSON keeps it: times and dates in ISO 8601, enums by value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    before: Mapping[str, object] | None,
    after: Mapping[str, object] | None,
    at: datetime,
) -> None:
    """One change, in the caller's transaction."""
    record_all(session, [entry(actor, action, subject, before, after, at)])


def entry(
    actor: str,
    action: str,
    subject: str,
    before: Mapping[str, object] | None,
    after: Mapping[str, object] | None,
    at: datetime,
) -> dict[str, Any]:
    """One change as a row of the log, for `record_all`."""
    return {
        "at": at,
        "actor": actor,
        "action": action,
        "subject": subject,
        "before": None if before is None else plain(before),
        "after": None if after is None else plain(after),
    }


def record_all(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many changes (rows from `entry`) in one statement: an import's thousands."""
    if rows:
        session.execute(insert(AuditEntry), list(rows))


def changed(
    old: Mapping[str, object], new: Mapping[str, object]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields whose values differ, as (before, after)."""
    keys = [key for key in new if plain(old.get(key)) != plain(new[key])]
    return {key: old.get(key) for key in keys}, {key: new[key] for key in keys}


@dataclass(frozen=True)
class AuditPage:
    entries: Sequence[AuditEntry]
    older: int | None
    """The cursor of the next page (older entries), None on the last page."""
    newer: int | None = None
    """The cursor of the page before (newer entries), None on the newest page."""


def recent(
    session: Session,
    *,
    before_id: int | None = None,
    after_id: int | None = None,
    limit: int = PAGE,
) -> AuditPage:
    """The newest entries first, `limit` at a time: pass `older` back as `before_id` for the
    next page, `newer` as `after_id` for the one before it."""
    statement = select(AuditEntry).limit(limit + 1)
    if after_id is not None:  # the newer entries nearest the cursor, turned newest first
        statement = statement.where(AuditEntry.id > after_id).order_by(AuditEntry.id)
        rows = session.scalars(statement).all()
        entries = list(reversed(rows[:limit]))
        more_newer = len(rows) > limit
        more_older = bool(entries) and _any(session, AuditEntry.id < entries[-1].id)
    else:
        if before_id is not None:
            statement = statement.where(AuditEntry.id < before_id)
        rows = session.scalars(statement.order_by(AuditEntry.id.desc())).all()
        entries = list(rows[:limit])
        more_older = len(rows) > limit
        more_newer = bool(entries) and _any(session, AuditEntry.id > entries[0].id)
    return AuditPage(
        entries,
        entries[-1].id if more_older else None,
        entries[0].id if more_newer else None,
    )


def _any(session: Session, condition: ColumnElement[bool]) -> bool:
    return session.scalar(select(exists().where(condition))) is True


def last_changed_elsewhere(session: Session) -> dict[str, AuditEntry]:
    """Each subject whose latest entry is not an import's: changed since, from Slack."""
    latest = select(func.max(AuditEntry.id)).group_by(AuditEntry.subject)
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.id.in_(latest), AuditEntry.actor != IMPORT)
    )
    return {entry.subject: entry for entry in entries}


def forget_actor(session: Session, user_id: str | None) -> int:
    """Clear the free text of the entries the person made; how many entries changed. Their
    Slack ID itself is replaced later, with their other mentions."""
    if user_id is None:
        return 0
    cleared = 0
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.actor == user_id)):
        before, after = _without_text(entry.before), _without_text(entry.after)
        if (before, after) != (entry.before, entry.after):
            entry.before, entry.after = before, after
            cleared += 1
    session.flush()
    return cleared


def _without_text(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {key: "" if key in FREE_TEXT and value else value for key, value in values.items()}
