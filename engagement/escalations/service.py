"""Logging an escalation and moving it along: open → acknowledged → resolved, or cancelled.

What the Slack layer calls. Every function takes the acting person (`access.Actor`) and
`now`, checks who may do it through `engagement.access`, writes an `EscalationEvent` for
each change, and queues the Slack side (alerts, updates) in the same transaction. The
caller commits. Bad input raises `Invalid` (field by field: `rules.InvalidFields`),
`NotFound` or `NotAllowed` and writes nothing. Doing something twice (a button pressed
twice, a retried request) changes nothing and says so in the result (`changed`,
`created`), for `bot/views` to tell the person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engagement.access import Actor, account_for, require_role, roles_on, visible_account
from engagement.errors import Conflict, NotAllowed, NotFound
from engagement.escalations.alerts import schedule_new, schedule_refresh
from engagement.escalations.cards import EscalationCard, EventKind, card
from engagement.escalations.codes import code_of
from engagement.escalations.rules import EscalationInput, InvalidFields, Note, ack_window
from engagement.models import (
    Account,
    Escalation,
    EscalationEvent,
    EscalationState,
    Person,
    Role,
)
from engagement.scoring.digest_stale import digest_changed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Raised:
    """A logged escalation; `created` is False when a retried request found its earlier one."""

    escalation: EscalationCard
    created: bool


Action = Literal["acknowledge", "resolve", "cancel"]


@dataclass(frozen=True)
class Changed:
    """The outcome of acknowledge / resolve / cancel; `changed` is False when it was already
    so (or settled otherwise): `escalation` then says how it stands."""

    escalation: EscalationCard
    changed: bool
    action: Action


def raise_escalation(
    session: Session,
    *,
    actor: Actor,
    account_name: str | None = None,
    account_id: int | None = None,
    fields: EscalationInput,
    now: datetime,
    request_key: str | None = None,
) -> Raised:
    """Log an escalation for an account (by name from a command, by ID from the modal).

    The fields were checked where they were read (`EscalationInput.read`, by the slash
    grammar or the modal's handler). Only the account's SAM or an admin may.
    `request_key` identifies the Slack request (for example the view submission's view
    ID): the same key again returns the escalation it created instead of creating another.
    """
    if request_key is not None:
        earlier = _by_request_key(session, request_key, actor)
        if earlier is not None:
            return Raised(card(session, earlier), created=False)
    account = _account(session, actor, account_name=account_name, account_id=account_id)
    raiser = _person(session, actor)
    escalation = Escalation(
        account_id=account.id,
        raised_by=raiser.id,
        severity=fields.severity,
        summary=fields.summary,
        details=fields.details,
        ask=fields.ask,
        source_permalink=fields.permalink,
        due_by=fields.due_by,
        state=EscalationState.OPEN,
        created_at=now,
        ack_deadline=now + ack_window(session, fields.severity),
        request_key=request_key,
    )
    try:
        with session.begin_nested():
            session.add(escalation)
            session.flush()
    except IntegrityError:
        # The same request, retried concurrently, got there first.
        earlier = _by_request_key(session, request_key, actor) if request_key else None
        if earlier is None:
            raise
        return Raised(card(session, earlier), created=False)
    session.add(
        EscalationEvent(
            escalation_id=escalation.id,
            person_id=raiser.id,
            kind=EventKind.RAISED,
            note="",
            at=now,
        )
    )
    schedule_new(session, escalation)
    session.flush()
    digest_changed(session, account.id, now)
    log.info(
        "escalation.raised escalation=%d account=%d severity=%s by=%s",
        escalation.id,
        account.id,
        escalation.severity,
        actor.user_id,
    )
    return Raised(card(session, escalation), created=True)


def acknowledge(session: Session, *, actor: Actor, escalation_id: int, now: datetime) -> Changed:
    """A sponsor of the account (or an admin) takes it on; the deadline ladder stops."""
    escalation = _escalation(session, actor, escalation_id, "acknowledge")
    _guard(session, actor, escalation.account, "acknowledge", Role.SPONSOR)
    person = _person(session, actor)
    return _change(
        session, escalation, person, {EscalationState.OPEN}, EventKind.ACKNOWLEDGED, "", now
    )


def resolve(
    session: Session, *, actor: Actor, escalation_id: int, note: Note, now: datetime
) -> Changed:
    """A sponsor (or an admin) closes it with a resolution note (`rules.read_note`),
    acknowledged or not."""
    escalation = _escalation(session, actor, escalation_id, "resolve")
    _guard(session, actor, escalation.account, "resolve", Role.SPONSOR)
    if escalation.state in (EscalationState.RESOLVED, EscalationState.CANCELLED):
        return Changed(card(session, escalation), False, "resolve")
    person = _person(session, actor)
    return _change(session, escalation, person, UNSETTLED, EventKind.RESOLVED, note, now)


def cancel(session: Session, *, actor: Actor, escalation_id: int, now: datetime) -> Changed:
    """Whoever raised it (or an admin) withdraws it while it is still open or acknowledged."""
    escalation = _escalation(session, actor, escalation_id, "cancel")
    code = code_of(escalation.id)
    if not actor.is_admin and (actor.person_id is None or actor.person_id != escalation.raised_by):
        line = f"Only whoever raised {code} (or an admin) can cancel it."
        _refuse(actor, "cancel", escalation.account, line)
    person = _person(session, actor)
    return _change(session, escalation, person, UNSETTLED, EventKind.CANCELLED, "", now)


def _by_request_key(session: Session, key: str, actor: Actor) -> Escalation | None:
    earlier = session.scalars(select(Escalation).where(Escalation.request_key == key)).first()
    if earlier is not None and not actor.is_admin and earlier.raised_by != actor.person_id:
        log.warning("escalation.request_key_reused by=%s", actor.user_id)
        raise Conflict("That request was already used; start a new escalation.")
    return earlier


def _account(
    session: Session, actor: Actor, *, account_name: str | None, account_id: int | None
) -> Account:
    """The account to raise it for, which only its SAM (or an admin) may.

    An account the person does not belong to is refused like one that does not exist,
    beside the account field; its members without the SAM role hear that it takes one.
    """
    try:
        if account_id is not None:
            account = visible_account(session, actor, account_id)
        elif not account_name or not account_name.strip():
            raise InvalidFields({"account": "Say which account this is for."})
        else:
            account = account_for(session, actor, account_name)
    except NotFound as error:
        raise InvalidFields({"account": error.line}) from None
    _guard(session, actor, account, "raise", Role.SAM)
    return account


def _escalation(session: Session, actor: Actor, escalation_id: int, action: str) -> Escalation:
    """The escalation, if the person may see it: an admin, whoever raised it, or a member
    of its account. Anyone else hears what they would if there were no such escalation."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is not None and (
        actor.is_admin
        or (actor.person_id is not None and actor.person_id == escalation.raised_by)
        or roles_on(session, actor, escalation.account_id)
    ):
        return escalation
    if escalation is not None:  # the log says what the person is not told
        _log_refusal(actor, action, escalation.account)
    code = code_of(escalation_id)
    raise NotFound(
        f"There is no escalation {code}."
        if actor.is_admin
        else f"There is no escalation {code} in your accounts."
    )


def _log_refusal(actor: Actor, action: str, account: Account) -> None:
    log.warning(
        "escalation.refused action=%s account=%d user=%s", action, account.id, actor.user_id
    )


def _refuse(actor: Actor, action: str, account: Account, line: str) -> None:
    _log_refusal(actor, action, account)
    raise NotAllowed(line)


def _guard(session: Session, actor: Actor, account: Account, action: str, role: Role) -> None:
    """Only for someone who may see the account: a member without the role hears which it takes."""
    try:
        require_role(session, actor, account, role)
    except NotAllowed as error:
        _refuse(actor, action, account, error.line)


def _person(session: Session, actor: Actor) -> Person:
    """The actor's row; an admin who is in no account yet gets one (names are filled in later)."""
    if actor.person_id is not None:
        return session.get_one(Person, actor.person_id)
    person = session.scalars(select(Person).where(Person.slack_user_id == actor.user_id)).first()
    if person is None:
        person = Person(slack_user_id=actor.user_id, display_name=actor.user_id, timezone="UTC")
        session.add(person)
        session.flush()
    return person


UNSETTLED = {EscalationState.OPEN, EscalationState.ACKNOWLEDGED}
"""The states from which an escalation can still be resolved or cancelled."""

_OUTCOME: dict[EventKind, tuple[EscalationState, Action]] = {
    EventKind.ACKNOWLEDGED: (EscalationState.ACKNOWLEDGED, "acknowledge"),
    EventKind.RESOLVED: (EscalationState.RESOLVED, "resolve"),
    EventKind.CANCELLED: (EscalationState.CANCELLED, "cancel"),
}


def _change(
    session: Session,
    escalation: Escalation,
    person: Person,
    sources: set[EscalationState],
    kind: EventKind,
    note: str,
    now: datetime,
) -> Changed:
    """Move the escalation to `kind`'s state only if it is still in one of `sources` (of two
    racing presses, one wins), and record who did it; `Changed` says whether it moved."""
    target, action = _OUTCOME[kind]
    values: dict[str, object] = {"state": target}
    if target is EscalationState.ACKNOWLEDGED:
        values["acknowledged_at"] = now
    if target is EscalationState.RESOLVED:
        values["resolved_at"] = now
        values["resolution"] = note
        if escalation.acknowledged_at is None:
            values["acknowledged_at"] = now  # resolving answers it too (hours to acknowledge)
    result = session.execute(
        update(Escalation)
        .where(Escalation.id == escalation.id, Escalation.state.in_([s.value for s in sources]))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(escalation)
    moved = bool(getattr(result, "rowcount", 0))
    if moved:
        event = EscalationEvent(
            escalation_id=escalation.id, person_id=person.id, kind=kind, note=note, at=now
        )
        session.add(event)
        session.flush()
        schedule_refresh(session, escalation.id, event.id, now)
        digest_changed(session, escalation.account_id, now)
        log.info("escalation.%s escalation=%d by=%d", kind.value, escalation.id, person.id)
    return Changed(card(session, escalation), moved, action)
