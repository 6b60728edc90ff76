"""Rotating a sponsor (seed 001): the old sponsorship closes, the new one opens (history
kept), the open risks the outgoing sponsor owned pass to the incoming one, and the
handover starts: the incoming sponsor's brief and the outgoing sponsor's
request for a note are queued as due work in the same transaction.

`change_roles` is the one place an account's roles change: the portfolio import calls it
with the roles the file names, `rotate_sponsor` with one sponsor swapped for another, so an
import that swaps a sponsor is a rotation too and starts the same handover.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engagement import audit
from engagement.access import Actor, require_owner
from engagement.db import rowcount
from engagement.duework import streams
from engagement.duework.queue import schedule
from engagement.errors import Conflict, FormInvalid, Line, NotAllowed, NotFound
from engagement.models import (
    Account,
    CheckIn,
    CheckInState,
    Person,
    Risk,
    RiskState,
    Role,
    SponsorRotation,
    Sponsorship,
)
from engagement.text import checked_text

log = logging.getLogger(__name__)

BRIEF = "rotation.brief"
ASK_NOTE = "rotation.ask_note"
ADD_NOTE = "rotation.add_note"
NOTE_LIMIT = 2000
"""Characters in a handover note: it shares one section of the brief with its heading."""
ADMINS_ONLY = "Only an admin can rotate a sponsor."


@dataclass(frozen=True)
class RoleChange:
    person_id: int
    role: Role
    change: str  # "started" | "ended"


def change_roles(
    session: Session,
    account: Account,
    wanted: set[tuple[int, Role]],
    *,
    actor: str,
    at: datetime,
) -> list[RoleChange]:
    """Close the account's current roles not in `wanted` and open those missing; each
    sponsor who left paired with one who came (in person order) is a rotation. Check-ins
    planned but not sent to someone who leaves the account are dropped."""
    current = session.scalars(
        select(Sponsorship).where(
            Sponsorship.account_id == account.id, Sponsorship.ended_at.is_(None)
        )
    ).all()
    have = {(row.person_id, Role(row.role)): row for row in current}
    changes: list[RoleChange] = []
    for key, row in have.items():
        if key not in wanted:
            row.ended_at = at
            changes.append(RoleChange(key[0], key[1], "ended"))
    staying = {person_id for person_id, _ in wanted}
    gone = {c.person_id for c in changes} - staying
    if gone:  # check-ins planned for people no longer on the account are not sent
        session.execute(
            delete(CheckIn)
            .where(CheckIn.account_id == account.id, CheckIn.person_id.in_(gone),
                   CheckIn.state == CheckInState.DUE, CheckIn.sent_at.is_(None))
            .execution_options(synchronize_session=False)
        )  # fmt: skip
    for person_id, role in sorted(wanted - have.keys()):
        session.add(
            Sponsorship(person_id=person_id, account_id=account.id, role=role, started_at=at)
        )
        changes.append(RoleChange(person_id, role, "started"))
    session.flush()
    left = sorted(c.person_id for c in changes if c.role is Role.SPONSOR and c.change == "ended")
    came = sorted(c.person_id for c in changes if c.role is Role.SPONSOR and c.change == "started")
    for outgoing, incoming in zip(left, came, strict=False):
        _hand_over(session, account, outgoing, incoming, actor=actor, at=at)
    return changes


def _hand_over(
    session: Session, account: Account, outgoing: int, incoming: int, *, actor: str, at: datetime
) -> SponsorRotation:
    rotation = SponsorRotation(
        account_id=account.id, outgoing_id=outgoing, incoming_id=incoming,
        rotated_at=at, rotated_by=actor, note="",
    )  # fmt: skip
    session.add(rotation)
    session.flush()
    owned = session.execute(
        update(Risk)
        .where(Risk.account_id == account.id, Risk.owner_id == outgoing,
               Risk.state != RiskState.CLOSED)
        .values(owner_id=incoming)
        .execution_options(synchronize_session="fetch")
    )  # fmt: skip
    payload = {"rotation_id": rotation.id}
    schedule(session, kind=BRIEF, key=f"{BRIEF}:{rotation.id}", due_at=at, payload=payload,
             stream=streams.person(incoming))  # fmt: skip
    schedule(session, kind=ASK_NOTE, key=f"{ASK_NOTE}:{rotation.id}", due_at=at,
             payload=payload, stream=streams.person(outgoing))  # fmt: skip
    log.info(
        "rotation.started account=%d rotation=%d outgoing=%d incoming=%d by=%s risks=%d",
        account.id, rotation.id, outgoing, incoming, actor, rowcount(owned),
    )  # fmt: skip
    return rotation


def rotate_sponsor(
    session: Session,
    account: Account,
    outgoing: Person,
    incoming: Person,
    *,
    actor: str,
    at: datetime,
) -> SponsorRotation:
    """Hand `account` over from one of its current sponsors to someone who is not one."""
    current = {
        (row.person_id, Role(row.role))
        for row in session.scalars(
            select(Sponsorship).where(
                Sponsorship.account_id == account.id, Sponsorship.ended_at.is_(None)
            )
        )
    }
    if (outgoing.id, Role.SPONSOR) not in current:
        raise FormInvalid({"outgoing": Line("They are not a sponsor of {name} now.",
                                            name=account.name)})  # fmt: skip
    if incoming.id == outgoing.id or (incoming.id, Role.SPONSOR) in current:
        raise FormInvalid({"incoming": Line("They are a sponsor of {name} already.",
                                            name=account.name)})  # fmt: skip
    wanted = (current - {(outgoing.id, Role.SPONSOR)}) | {(incoming.id, Role.SPONSOR)}
    change_roles(session, account, wanted, actor=actor, at=at)
    subject = audit.account_subject(account.name)
    for action, person in (("sponsorship.closed", outgoing), ("sponsorship.opened", incoming)):
        held = {"role": Role.SPONSOR, "person": audit.person_named(session, person.id)}
        before, after = (held, None) if action == "sponsorship.closed" else (None, held)
        audit.record(session, actor=actor, action=action, subject=subject, before=before,
                     after=after, at=at)  # fmt: skip
    return session.scalars(
        select(SponsorRotation)
        .where(SponsorRotation.account_id == account.id)
        .order_by(SponsorRotation.id.desc())
        .limit(1)
    ).one()


# --- from Slack ----------------------------------------------------------------------


@dataclass(frozen=True)
class SponsorChoice:
    person_id: int
    name: str


@dataclass(frozen=True)
class RotationForm:
    """What the *Rotate sponsor* modal offers: the account and its current sponsors."""

    account_id: int
    account: str
    sponsors: list[SponsorChoice]


def _admin_account(session: Session, actor: Actor, account_id: int) -> Account:
    if not actor.is_admin:
        log.warning("access.refused user=%s what=rotation ref=%d", actor.user_id, account_id)
        raise NotAllowed(ADMINS_ONLY)
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("That account no longer exists.")
    return account


def rotation_form(session: Session, *, actor: Actor, account_id: int) -> RotationForm:
    """The modal's choices (admins only)."""
    account = _admin_account(session, actor, account_id)
    sponsors = session.scalars(
        select(Person)
        .join(Sponsorship, Sponsorship.person_id == Person.id)
        .where(
            Sponsorship.account_id == account.id,
            Sponsorship.role == Role.SPONSOR,
            Sponsorship.ended_at.is_(None),
        )
        .order_by(Person.display_name, Person.id)
    ).all()
    if not sponsors:
        raise Conflict(Line("{name} has no sponsor to rotate.", name=account.name))
    return RotationForm(
        account.id, account.name, [SponsorChoice(p.id, p.display_name) for p in sponsors]
    )


def rotate_from_slack(
    session: Session,
    *,
    actor: Actor,
    account_id: int,
    outgoing_id: int | None,
    incoming_user: str | None,
    at: datetime,
) -> tuple[SponsorRotation, Person]:
    """The modal's submission: admins only; a person Sherpa does not know yet is added by
    their Slack user ID (their name and time zone come from Slack before the brief)."""
    account = _admin_account(session, actor, account_id)
    if not incoming_user or not incoming_user.startswith(("U", "W")):
        raise FormInvalid({"incoming": "Choose the incoming sponsor."})
    outgoing = session.get(Person, outgoing_id) if outgoing_id is not None else None
    if outgoing is None:
        raise FormInvalid({"outgoing": "Choose the outgoing sponsor."})
    incoming = session.scalars(select(Person).where(Person.slack_user_id == incoming_user)).first()
    if incoming is None:
        incoming = Person(
            slack_user_id=incoming_user, display_name=incoming_user, timezone=account.timezone
        )
        session.add(incoming)
        session.flush()
    rotation = rotate_sponsor(session, account, outgoing, incoming, actor=actor.user_id, at=at)
    return rotation, outgoing


# --- the handover note -----------------------------------------------------------------


def read_handover_note(text: str) -> str:
    """The one check of a handover note, as of other free text."""
    return checked_text(
        text, "The note", limit=NOTE_LIMIT, missing="Write a few lines for the incoming sponsor."
    )


def note_rotation(session: Session, *, actor: Actor, rotation_id: int) -> SponsorRotation:
    """The rotation whose note `actor` may write: only its outgoing sponsor, only once."""
    rotation = session.get(SponsorRotation, rotation_id)
    if rotation is None:
        raise NotFound("That handover no longer exists.")
    require_owner(actor, rotation.outgoing_id, what="handover request", ref=rotation.id)
    if rotation.note_at is not None:
        raise Conflict("Your handover note was added already.")
    return rotation


def add_handover_note(
    session: Session, *, actor: Actor, rotation_id: int, text: str, at: datetime
) -> SponsorRotation:
    """Keep the note and queue its addition to the brief, after the brief in the incoming
    sponsor's stream (a note written before the brief went out is simply in it)."""
    note = read_handover_note(text)
    rotation = note_rotation(session, actor=actor, rotation_id=rotation_id)
    rotation.note, rotation.note_at = note, at
    schedule(session, kind=ADD_NOTE, key=f"{ADD_NOTE}:{rotation.id}", due_at=at,
             payload={"rotation_id": rotation.id},
             stream=streams.person(rotation.incoming_id))  # fmt: skip
    log.info("rotation.note_added rotation=%d chars=%d", rotation.id, len(note))
    return rotation
