"""An import's changes, each in the audit log as the portfolio file's; those that would
overwrite a change made in Slack since the last import are noted for the operator."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engagement.audit import IMPORT, entry, last_changed_elsewhere, plain, record_all


def summary(before: Mapping[str, object] | None, after: Mapping[str, object] | None) -> str:
    """'channel #a -> #b; weight 10 -> 20', or the fields of something added or removed."""
    old, new = before or {}, after or {}
    if not old or not new:
        return ", ".join(f"{key} {plain(value)}" for key, value in (new or old).items())
    return "; ".join(f"{key} {plain(old.get(key))} -> {plain(new[key])}" for key in new)


class Changes:
    """The import's changes, at `now`, as `actor` (the file's `import`, or the admin who
    made the same change from App Home); `write` records them all."""

    def __init__(self, session: Session, now: datetime, actor: str = IMPORT) -> None:
        self.session, self.now, self.actor = session, now, actor
        self.elsewhere = last_changed_elsewhere(session) if actor == IMPORT else {}
        self.overwrites: list[str] = []
        self.rows: list[dict[str, Any]] = []

    def __call__(
        self,
        action: str,
        subject: str,
        before: Mapping[str, object] | None,
        after: Mapping[str, object] | None,
    ) -> None:
        last = self.elsewhere.get(subject)
        if last is not None:
            self.overwrites.append(
                f"{subject}: {action} ({summary(before, after)}) over {last.action} by "
                f"{last.actor} on {last.at:%Y-%m-%d %H:%M} UTC"
            )
        self.rows.append(entry(self.actor, action, subject, before, after, self.now))

    def write(self) -> None:
        record_all(self.session, self.rows)
        self.rows = []
