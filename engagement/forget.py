"""Forgetting a person on request: their identity and their words go, the figures stay.

What goes:
- their identity. The `people` row keeps its ID, so answers, escalations and KPI actuals
  stay linked and every count stays the same, but becomes a pseudonym: "Forgotten person
  17", known as forgotten-17@forgotten.invalid, with no Slack ID, time zone UTC, no pause;
- the free text (advocacy and note) of every revision of their answers, and of the
  advocacy actions they logged;
- the links to their DMs (check-in DMs; escalation requests and reminders), so Sherpa
  never updates those messages again;
- their Slack ID, @-mentions, DM channels and e-mail address wherever else text kept by
  Sherpa contains them (escalations, other people's notes, alerts, queued work), and their
  display name in text Sherpa wrote itself (alerts, queued work): all become the pseudonym.
What stays: every rating, count, date and state, so indicators, scorecards, digests and
KPIs computed before and after are the same. Escalations they raised or acted on keep
their text, a business record of the account, under the pseudonym.
Their current roles end now, and their open check-ins (never answered) are withdrawn with
the work queued for them, as a pause withdraws unsent ones. The result names the accounts
left without a sponsor or SAM, so the portfolio file can name someone else.

Nothing brings the identity back: the profile refresh skips forgotten people, and the
portfolio refuses their pseudonym. A portfolio that still names their old Slack ID or
address creates a new person, with none of this history.

Once the forget has committed, `wipe_freed` overwrites the old copies the database still
keeps on disk (SQLite's write-ahead log, PostgreSQL's dead row versions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Engine,
    Text,
    and_,
    cast,
    delete,
    exists,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from engagement.access import find_person
from engagement.checkins.items import PENDING
from engagement.checkins.sends import EXPIRE, NUDGE, SEND
from engagement.errors import NotFound
from engagement.escalations.alerts import REMIND, REQUEST
from engagement.models import (
    FORGOTTEN_DOMAIN,
    AdvocacyAction,
    Answer,
    Base,
    CheckIn,
    DueWork,
    Escalation,
    EscalationNotice,
    Person,
    Role,
    Sponsorship,
    WorkState,
)

WITHDRAWN = "withdrawn: the person it was for was forgotten"
"""`last_error` of queued work withdrawn by a forget, for operators reading `due_work`."""

TOUCHED = (Person, Sponsorship, CheckIn, DueWork, Answer, AdvocacyAction, EscalationNotice)
"""Tables every forget may write to; `Forgotten.tables` adds those where mentions were replaced."""

SHERPA_WROTE = {("alerts", "message"), ("due_work", "payload"), ("due_work", "last_error")}
"""Text Sherpa composed itself: the display name there can only mean the person."""


def pseudonym(person_id: int) -> str:
    return f"Forgotten person {person_id}"


def pseudonym_email(person_id: int) -> str:
    return f"forgotten-{person_id}@{FORGOTTEN_DOMAIN}"


@dataclass(frozen=True)
class RoleEnded:
    """A role the person held until now, and how many others still hold it there."""

    account: str
    role: Role
    others: int

    @property
    def title(self) -> str:
        return "SAM" if self.role is Role.SAM else "sponsor"

    @property
    def line(self) -> str:
        if self.others == 0:
            return f"{self.title} of {self.account} (no {self.title} left)"
        plural = "s" if self.others > 1 else ""
        return f"{self.title} of {self.account} ({self.others} other {self.title}{plural} left)"


@dataclass(frozen=True)
class Forgotten:
    """What a forget changed (or, for a dry run, would change)."""

    person_id: int
    pseudonym: str
    reference: str
    """The pseudonym's e-mail form: how `sherpa forget` finds this person again."""
    already: bool = False
    """They had been forgotten before: nothing was changed."""
    answers: int = 0
    answer_texts: int = 0
    advocacy: int = 0
    advocacy_texts: int = 0
    checkins_kept: int = 0
    checkins_withdrawn: int = 0
    work_withdrawn: int = 0
    roles: tuple[RoleEnded, ...] = ()
    escalations: int = 0
    dms_unlinked: int = 0
    mentions: int = 0
    mentions_by_table: dict[str, int] = field(default_factory=dict)

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables `wipe_freed` goes over: those this forget may have written to (every
        table when they had been forgotten before: forgetting again finishes a wipe that
        found the database busy)."""
        if self.already:
            return tuple(sorted(Base.metadata.tables))
        names = {model.__tablename__ for model in TOUCHED} | set(self.mentions_by_table)
        return tuple(sorted(names))

    @property
    def unstaffed(self) -> list[RoleEnded]:
        """Roles now held by nobody on their account."""
        return [role for role in self.roles if role.others == 0]

    def counts(self) -> dict[str, int]:
        """The figures, for the log line (never the removed identity)."""
        return {
            "answers": self.answers,
            "answer_texts": self.answer_texts,
            "advocacy": self.advocacy,
            "advocacy_texts": self.advocacy_texts,
            "checkins_withdrawn": self.checkins_withdrawn,
            "work_withdrawn": self.work_withdrawn,
            "roles_ended": len(self.roles),
            "unstaffed": len(self.unstaffed),
            "escalations": self.escalations,
            "dms_unlinked": self.dms_unlinked,
            "mentions": self.mentions,
        }

    def lines(self) -> list[str]:
        if self.already:
            return [f"{self.pseudonym} ({self.reference}) was forgotten already: nothing changed."]
        roles = "; ".join(role.line for role in self.roles) or "none"
        where = ", ".join(f"{table} {n}" for table, n in sorted(self.mentions_by_table.items()))
        out = [
            f"forgotten: they are now {self.pseudonym} ({self.reference})",
            f"answer revisions: {self.answers} kept with their ratings; "
            f"free text removed from {self.answer_texts}",
            f"advocacy actions: {self.advocacy} kept and counted; "
            f"text removed from {self.advocacy_texts}",
            f"check-ins: {self.checkins_kept} answered, skipped or missed kept; "
            f"{self.checkins_withdrawn} open withdrawn, "
            f"with {self.work_withdrawn} queued sends, nudges and DMs",
            f"roles ended: {roles}",
            f"escalations raised: {self.escalations}, kept with their text under the pseudonym",
            f"DM links removed: {self.dms_unlinked}; mentions replaced elsewhere: {self.mentions}"
            + (f" ({where})" if where else ""),
        ]
        if self.unstaffed:
            names = ", ".join(f"{role.account} (no {role.title})" for role in self.unstaffed)
            out.append(f"to reassign in the portfolio file: {names}")
        return out


def forget_person(session: Session, *, user: str, now: datetime) -> Forgotten:
    """Forget the person with Slack user ID or e-mail address `user`, in the caller's
    transaction (a dry run rolls it back). Unknown: `NotFound`, nothing written."""
    try:
        person = find_person(session, user)
    except NotFound as error:
        raise NotFound(
            f"{error} (Someone already forgotten is known only as forgotten-<n>@"
            f"{FORGOTTEN_DOMAIN}.)"
        ) from None
    if person.forgotten:
        return Forgotten(person.id, person.display_name, person.email or "", already=True)
    person_id = person.id
    identity = _Identity.of(session, person)
    roles = _end_roles(session, person_id, now)
    withdrawn, work = _withdraw_open_checkins(session, person, now)
    answers, answer_texts = _clear_answers(session, person_id)
    advocacy, advocacy_texts = _clear_advocacy(session, person_id)
    unlinked = _unlink_dms(session, person)
    person.slack_user_id = None
    person.email = pseudonym_email(person_id)
    person.display_name = pseudonym(person_id)
    person.timezone = "UTC"
    person.paused_until = None
    session.flush()
    mentions = _replace_mentions(session, identity)
    return Forgotten(
        person_id=person_id,
        pseudonym=person.display_name,
        reference=person.email,
        answers=answers,
        answer_texts=answer_texts,
        advocacy=advocacy,
        advocacy_texts=advocacy_texts,
        checkins_kept=_count(session, CheckIn.person_id == person_id),
        checkins_withdrawn=withdrawn,
        work_withdrawn=work,
        roles=roles,
        escalations=_count(session, Escalation.raised_by == person_id),
        dms_unlinked=unlinked,
        mentions=sum(mentions.values()),
        mentions_by_table=mentions,
    )


def wipe_freed(
    engine: Engine, tables: Iterable[str], *, busy_timeout_ms: int | None = None
) -> bool:
    """After a forget has committed, overwrite the old copies of what it changed that the
    database still keeps in its files; False when SQLite was too busy to finish (run it
    again once whatever held it has ended).

    SQLite: every connection deletes securely (`PRAGMA secure_delete`, set in
    `engagement.db`), so the pages the forget rewrote keep no trace of the old rows, but
    the write-ahead log still holds the earlier versions of those pages. A TRUNCATE
    checkpoint copies the current pages into the database file and empties the log. It
    waits, up to the busy timeout (the connection's 30 s unless `busy_timeout_ms`), for
    readers still on an older snapshot (a long export, a backup), and reports busy if one
    outlasts it. It cannot run in a transaction: it runs on the raw connection, which
    `engagement.db` leaves in autocommit.
    PostgreSQL: an UPDATE leaves the old row version in the table as a dead tuple; VACUUM
    removes those of `tables` (PostgreSQL reuses the space, it does not zero it). VACUUM
    cannot run in a transaction: an AUTOCOMMIT connection.
    """
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            patience = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
            if busy_timeout_ms is not None:
                cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            try:
                busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                cursor.execute(f"PRAGMA busy_timeout={int(patience)}")
                cursor.close()
        finally:
            raw.close()
        return not busy
    preparer = engine.dialect.identifier_preparer
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in sorted(set(tables)):
            connection.exec_driver_sql(f"VACUUM {preparer.quote(table)}")
    return True


def _count(session: Session, condition: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).where(condition)) or 0)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _end_roles(session: Session, person_id: int, now: datetime) -> tuple[RoleEnded, ...]:
    """End every current role now; say how many others still hold each one."""
    current = session.scalars(
        select(Sponsorship)
        .where(Sponsorship.person_id == person_id, Sponsorship.ended_at.is_(None))
        .order_by(Sponsorship.account_id, Sponsorship.role)
    ).all()
    for row in current:
        row.ended_at = max(now, row.started_at)
    session.flush()
    ended = []
    for row in current:
        others = _count(
            session,
            and_(
                Sponsorship.account_id == row.account_id,
                Sponsorship.role == row.role,
                Sponsorship.ended_at.is_(None),
            ),
        )
        ended.append(RoleEnded(row.account.name, Role(row.role), others))
    return tuple(sorted(ended, key=lambda role: (role.account.lower(), role.role)))


def _withdraw_open_checkins(session: Session, person: Person, now: datetime) -> tuple[int, int]:
    """Drop their open, never-answered check-ins and the work queued for them.

    Answered, skipped and expired check-ins stay: the figures count those. An open one
    counts only as "a check-in went out that week", which the others sent to the account
    that week say as well (so it is dropped, not skipped: a skip would also end a streak
    of missed check-ins, changing the account's figures).
    """
    still_open = and_(
        CheckIn.person_id == person.id,
        CheckIn.state.in_([state.value for state in PENDING]),
        ~exists().where(Answer.checkin_id == CheckIn.id),
    )
    ids = session.scalars(select(CheckIn.id).where(still_open)).all()
    dropped = 0
    if ids:  # the condition again: one answered meanwhile is kept
        dropped = _rowcount(
            session.execute(
                delete(CheckIn)
                .where(CheckIn.id.in_(ids), still_open)
                .execution_options(synchronize_session=False)
            )
        )
    keys = [f"{kind}:{checkin_id}" for checkin_id in ids for kind in (NUDGE, EXPIRE)]
    due = DueWork.state == WorkState.DUE
    candidates = session.scalars(
        select(DueWork).where(
            due,
            or_(
                DueWork.key.like(f"{SEND}:{person.id}:%"),
                DueWork.key.in_(keys) if keys else false(),
                DueWork.kind.in_([REQUEST, REMIND]),
                DueWork.key.like("alerts.post:%:sam"),
            ),
        )
    ).all()
    withdrawn = 0
    for row in candidates:
        payload = row.payload or {}
        for_them = (
            row.kind in (SEND, NUDGE, EXPIRE)
            or (row.kind in (REQUEST, REMIND) and payload.get("person_id") == person.id)
            or (
                row.kind == "alerts.post"
                and person.slack_user_id is not None
                and payload.get("to") == person.slack_user_id
            )
        )
        if for_them:
            row.state, row.done_at, row.last_error = WorkState.DONE, now, WITHDRAWN
            withdrawn += 1
    session.flush()
    return dropped, withdrawn


def _their_answers(person_id: int) -> ColumnElement[bool]:
    return or_(
        Answer.submitted_by == person_id,
        Answer.checkin_id.in_(select(CheckIn.id).where(CheckIn.person_id == person_id)),
    )


def _clear_answers(session: Session, person_id: int) -> tuple[int, int]:
    """Every revision keeps its ratings; its advocacy and note become empty."""
    theirs = _their_answers(person_id)
    total = _count(session, theirs)
    cleared = session.execute(
        update(Answer)
        .where(theirs, or_(Answer.advocacy != "", Answer.note != ""))
        .values(advocacy="", note="")
        .execution_options(synchronize_session=False)
    )
    return total, _rowcount(cleared)


def _clear_advocacy(session: Session, person_id: int) -> tuple[int, int]:
    """Advocacy actions stay (the indicator counts them) with no text."""
    theirs = or_(
        AdvocacyAction.person_id == person_id,
        AdvocacyAction.answer_id.in_(select(Answer.id).where(_their_answers(person_id))),
    )
    total = _count(session, theirs)
    cleared = session.execute(
        update(AdvocacyAction)
        .where(theirs, AdvocacyAction.text != "")
        .values(text="")
        .execution_options(synchronize_session=False)
    )
    return total, _rowcount(cleared)


def _unlink_dms(session: Session, person: Person) -> int:
    """Forget where their DMs are: nothing will update them, nothing points at them."""
    unlinked = _rowcount(
        session.execute(
            update(CheckIn)
            .where(CheckIn.person_id == person.id, CheckIn.message_channel.is_not(None))
            .values(message_channel=None, message_ts=None)
            .execution_options(synchronize_session=False)
        )
    )
    if person.slack_user_id is not None:
        unlinked += _rowcount(
            session.execute(
                delete(EscalationNotice)
                .where(EscalationNotice.recipient == person.slack_user_id)
                .execution_options(synchronize_session=False)
            )
        )
    return unlinked


@dataclass(frozen=True)
class _Identity:
    """The strings that identify the person, and how to replace each with the pseudonym."""

    pseudonym: str
    ids: tuple[str, ...]
    """Their Slack user ID and DM channel IDs: unambiguous wherever they appear."""
    email: str | None
    name: str | None
    """Their display name, replaced only where Sherpa wrote it (None: someone shares it)."""

    @classmethod
    def of(cls, session: Session, person: Person) -> _Identity:
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
        shared = _count(
            session, and_(Person.display_name == person.display_name, Person.id != person.id)
        )
        if not name or shared or name in ids or name == person.email:
            name = None
        return cls(
            pseudonym=pseudonym(person.id),
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


def _replace_mentions(session: Session, identity: _Identity) -> dict[str, int]:
    """Walk every text and JSON column of every table (so a new one is covered too): a
    LIKE finds the few rows that may mention the person, Python rewrites them."""
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
