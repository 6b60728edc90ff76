"""Sherpa's admins: who they are (`admin_ids`) and how an admin changes them (`set_admins`).

The database is the source of truth (`models.Admin`); `SHERPA_ADMINS` seeds it. An ID
the setting names is an admin until a row says otherwise, so a deployment that never
changes its admins in Slack has exactly the setting's admins, as before; an admin
removed in Slack stays removed whatever the setting says.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.orm import Session

from engagement import audit
from engagement.errors import Invalid, NotAllowed
from engagement.models import Admin
from engagement.refs import USER_ID

log = logging.getLogger(__name__)

SEEDED = "SHERPA_ADMINS"
"""`Admin.added_by` of an admin the setting seeded when the admins were first changed."""
ONLY_ADMINS = "Only Sherpa's admins can do that."
FORGOTTEN = "forgotten"
"""`added_by` / `removed_by` once the admin who did it was forgotten (`sherpa forget`)."""

_ROWS = select(Admin.slack_user_id, Admin.removed_at)


def admin_ids(db: Session | Connection, seed: Collection[str]) -> frozenset[str]:
    """The admins now: those stored, and those `seed` (`SHERPA_ADMINS`) names that no
    row mentions. One small read; callers keep it for their request or run."""
    stored = {user_id: removed_at is None for user_id, removed_at in db.execute(_ROWS)}
    kept = {user_id for user_id, current in stored.items() if current}
    return frozenset(kept | {user_id for user_id in seed if user_id not in stored})


def require_admin(user_id: str, admins: Collection[str], *, what: str) -> None:
    """Refuse anyone but an admin, in one line; the refusal is logged (a forged payload or
    an out-of-date view)."""
    if user_id not in admins:
        log.warning("access.refused user=%s what=%s", user_id, what)
        raise NotAllowed(ONLY_ADMINS)


def set_admins(
    session: Session,
    *,
    actor: str,
    wanted: Iterable[str],
    seed: Collection[str],
    now: datetime,
) -> tuple[list[str], list[str]]:
    """Make `wanted` the admins (an admin's choice in App Home): who was added and who
    removed. Refused for a non-admin, for anything not a Slack user ID, and for no admin
    at all (someone must be able to change them back)."""
    current = admin_ids(session, seed)
    require_admin(actor, current, what="admins")
    chosen = set(wanted)
    if bad := sorted(user_id for user_id in chosen if not USER_ID.match(user_id)):
        raise Invalid(f"'{bad[0]}' is not a Slack user: choose people from the list.")
    if not chosen:
        raise Invalid("Keep at least one admin.")
    rows = {row.slack_user_id: row for row in session.scalars(select(Admin))}
    for user_id in sorted(current | chosen):  # the seeded ones get their row now
        row = rows.get(user_id)
        if row is None:
            by = SEEDED if user_id in current else actor
            row = Admin(slack_user_id=user_id, added_by=by, added_at=now)
            session.add(row)
        if user_id in chosen and row.removed_at is not None:
            row.added_by, row.added_at, row.removed_by, row.removed_at = actor, now, None, None
        elif user_id not in chosen and row.removed_at is None:
            row.removed_by, row.removed_at = actor, now
    added, removed = sorted(chosen - current), sorted(current - chosen)
    if added or removed:
        audit.record(session, actor=actor, action="admins.changed", subject=audit.ADMINS,
                     before={"admins": sorted(current)}, after={"admins": sorted(chosen)},
                     at=now)  # fmt: skip
    log.info("admins.changed user=%s added=%d removed=%d", actor, len(added), len(removed))
    return added, removed


def forget_admin(session: Session, user_id: str) -> None:
    """`sherpa forget`: their own row goes (whether they were an admin is theirs too), and
    their ID leaves the rows of the admins they added or removed."""
    session.execute(delete(Admin).where(Admin.slack_user_id == user_id))
    session.execute(update(Admin).where(Admin.added_by == user_id).values(added_by=FORGOTTEN))
    session.execute(update(Admin).where(Admin.removed_by == user_id).values(removed_by=FORGOTTEN))
