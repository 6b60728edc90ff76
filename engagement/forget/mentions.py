"""Replacing a forgotten person's mentions with their pseudonym, wherever Sherpa keeps text.

Their Slack ID, @-mentions, DM channel IDs and e-mail address are unambiguous, so they
are replaced in every text and JSON column of every table (a table added later is
covered too). Their display name is replaced only in text Sherpa wrote itself
(`SHERPA_WROTE`): in what people typed, a short name cannot be told from other words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Text, and_, cast, func, or_, select, update
from sqlalchemy.orm import Session

from engagement.db import count
from engagement.models import Base, CheckIn, EscalationNotice, Person

SHERPA_WROTE = {("alerts", "message"), ("due_work", "payload"), ("due_work", "last_error")}
"""Text Sherpa composed itself: the display name there can only mean the person."""


@dataclass(frozen=True)
class Identity:
    """The strings that identify the person, and how to replace each with the pseudonym."""

    pseudonym: str
    ids: tuple[str, ...]
    """Their Slack user ID and DM channel IDs: unambiguous wherever they appear."""
    email: str | None
    name: str | None
    """Their display name, replaced only where Sherpa wrote it (None: someone shares it)."""

    @classmethod
    def of(cls, session: Session, person: Person, pseudonym: str) -> Identity:
        channels = session.scalars(
            select(CheckIn.message_channel)
            .where(CheckIn.person_id == person.id, CheckIn.message_channel.is_not(None))
            .distinct()
        ).all()
        if person.slack_user_id is not None:
            channels = [
                *channels,
                *session.scalars(
                    select(EscalationNotice.channel)
                    .where(EscalationNotice.recipient == person.slack_user_id)
                    .distinct()
                ),
            ]
        ids = {person.slack_user_id, *channels} - {None, ""}
        name: str | None = person.display_name.strip()
        shared = count(
            session, and_(Person.display_name == person.display_name, Person.id != person.id)
        )
        if not name or shared or name in ids or name == person.email:
            name = None
        return cls(
            pseudonym=pseudonym,
            ids=tuple(sorted(str(value) for value in ids)),
            email=person.email,
            name=name,
        )

    def tokens(self, *, sherpa_wrote: bool) -> list[str]:
        """What a column must contain to need a look (a superset: the regexes decide)."""
        tokens = list(self.ids)
        if sherpa_wrote and self.name:
            tokens.append(self.name)
        return tokens

    def replacer(self, *, sherpa_wrote: bool) -> Callable[[str], str]:
        patterns: list[re.Pattern[str]] = []
        if self.ids:
            alternatives = "|".join(re.escape(value) for value in self.ids)
            patterns.append(re.compile(rf"<@(?:{alternatives})(?:\|[^>]*)?>"))
            patterns.append(re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])"))
        if self.email:
            patterns.append(
                re.compile(rf"(?<![\w.+%-]){re.escape(self.email)}(?![\w-]|\.[\w-])", re.IGNORECASE)
            )
        if sherpa_wrote and self.name:
            patterns.append(re.compile(rf"(?<!\w){re.escape(self.name)}(?!\w)"))

        def replace(text: str) -> str:
            for pattern in patterns:
                text = pattern.sub(self.pseudonym, text)
            return text

        return replace


def _deep(value: Any, replace: Callable[[str], str]) -> Any:
    """Replace in every string of a JSON document (values only, never keys)."""
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_deep(item, replace) for item in value]
    if isinstance(value, dict):
        return {key: _deep(item, replace) for key, item in value.items()}
    return value


def replace_mentions(session: Session, identity: Identity) -> dict[str, int]:
    """Walk every text and JSON column of every table (so a new one is covered too): a
    LIKE finds the few rows that may mention the person, Python rewrites them. Returns
    how many rows changed, by table."""
    changed: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        if table.name == Person.__tablename__:
            continue
        keys = list(table.primary_key.columns)
        rows_changed: set[tuple[Any, ...]] = set()
        for column in table.columns:
            is_json = isinstance(column.type, JSON)
            if not (is_json or isinstance(column.type, Text)):
                continue
            sherpa_wrote = (table.name, column.name) in SHERPA_WROTE
            text = cast(column, Text) if is_json else column
            tokens = identity.tokens(sherpa_wrote=sherpa_wrote)
            if is_json:  # stored with non-ASCII characters escaped
                tokens += [json.dumps(token)[1:-1] for token in tokens]
            conditions = [text.contains(token, autoescape=True) for token in set(tokens)]
            if identity.email:
                conditions.append(
                    func.lower(text).contains(identity.email.lower(), autoescape=True)
                )
            if not conditions:
                continue
            replace = identity.replacer(sherpa_wrote=sherpa_wrote)
            for row in session.execute(select(*keys, column).where(or_(*conditions))).all():
                *key, value = row
                new = _deep(value, replace) if is_json else replace(value)
                if new == value:
                    continue
                session.execute(
                    update(table)
                    .where(*(pk == part for pk, part in zip(keys, key, strict=True)))
                    .values({column.name: new})
                )
                rows_changed.add(tuple(key))
        if rows_changed:
            changed[table.name] = len(rows_changed)
    return changed
