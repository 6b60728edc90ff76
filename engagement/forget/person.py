"""Forgetting one person: finding them, taking their identity and the words they wrote,
and the report of what changed.

`forget_person` runs every step in the caller's transaction (a dry run rolls it back):
it ends what they were part of (`withdraw`), clears their free text, DM links and admin
row, turns their row into a pseudonym, then replaces their mentions elsewhere (`mentions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session

from engagement.access import find_person
from engagement.admins import forget_admin
from engagement.audit import forget_actor
from engagement.db import count, rowcount
from engagement.errors import NotFound
from engagement.forget.mentions import Identity, replace_mentions
from engagement.forget.withdraw import RoleEnded, end_roles, withdraw_open_checkins
from engagement.models import (
    FORGOTTEN_DOMAIN,
    Admin,
    AdvocacyAction,
    Answer,
    AuditEntry,
    Base,
    ChannelNotice,
    CheckIn,
    DueWork,
    Escalation,
    EscalationNotice,
    Person,
    SponsorRotation,
    Sponsorship,
)

TOUCHED = (
    Person,
    Sponsorship,
    CheckIn,
    DueWork,
    Answer,
    AdvocacyAction,
    EscalationNotice,
    ChannelNotice,
    Admin,
    SponsorRotation,
    AuditEntry,
)
"""Tables every forget may write to; `Forgotten.tables` adds those where mentions were replaced."""


def pseudonym(person_id: int) -> str:
    return f"Forgotten person {person_id}"


def pseudonym_email(person_id: int) -> str:
    return f"forgotten-{person_id}@{FORGOTTEN_DOMAIN}"


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
    handover_notes: int = 0
    audit_texts: int = 0
    """Audit entries of changes they made whose free text (notes, descriptions) was cleared."""
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
            "handover_notes": self.handover_notes,
            "audit_texts": self.audit_texts,
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
            f"handover notes written: text removed from {self.handover_notes}",
            f"audit log: free text removed from {self.audit_texts} of the changes they made",
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
    identity = Identity.of(session, person, pseudonym(person_id))
    roles = end_roles(session, person_id, now)
    withdrawn, work = withdraw_open_checkins(session, person, now)
    answers, answer_texts = _clear_answers(session, person_id)
    advocacy, advocacy_texts = _clear_advocacy(session, person_id)
    notes = _clear_handover_notes(session, person_id)
    unlinked = _unlink_dms(session, person)
    if person.slack_user_id is not None:
        forget_admin(session, person.slack_user_id)
    audit_texts = forget_actor(session, person.slack_user_id)
    person.slack_user_id = None
    person.email = pseudonym_email(person_id)
    person.display_name = pseudonym(person_id)
    person.timezone = "UTC"
    person.paused_until = None
    person.country = None
    person.status_emoji = person.status_text = ""  # "Vacationing in …" is theirs too
    person.status_expires_at = person.status_checked_at = None
    session.flush()
    mentions = replace_mentions(session, identity)
    return Forgotten(
        person_id=person_id,
        pseudonym=person.display_name,
        reference=person.email,
        answers=answers,
        answer_texts=answer_texts,
        advocacy=advocacy,
        advocacy_texts=advocacy_texts,
        handover_notes=notes,
        audit_texts=audit_texts,
        checkins_kept=count(session, CheckIn.person_id == person_id),
        checkins_withdrawn=withdrawn,
        work_withdrawn=work,
        roles=roles,
        escalations=count(session, Escalation.raised_by == person_id),
        dms_unlinked=unlinked,
        mentions=sum(mentions.values()),
        mentions_by_table=mentions,
    )


def _their_answers(person_id: int) -> ColumnElement[bool]:
    return or_(
        Answer.submitted_by == person_id,
        Answer.checkin_id.in_(select(CheckIn.id).where(CheckIn.person_id == person_id)),
    )


def _clear_answers(session: Session, person_id: int) -> tuple[int, int]:
    """Every revision keeps its ratings; its advocacy and note become empty."""
    theirs = _their_answers(person_id)
    total = count(session, theirs)
    cleared = session.execute(
        update(Answer)
        .where(theirs, or_(Answer.advocacy != "", Answer.note != ""))
        .values(advocacy="", note="")
        .execution_options(synchronize_session=False)
    )
    return total, rowcount(cleared)


def _clear_advocacy(session: Session, person_id: int) -> tuple[int, int]:
    """Advocacy actions stay (the indicator counts them) with no text."""
    theirs = or_(
        AdvocacyAction.person_id == person_id,
        AdvocacyAction.answer_id.in_(select(Answer.id).where(_their_answers(person_id))),
    )
    total = count(session, theirs)
    cleared = session.execute(
        update(AdvocacyAction)
        .where(theirs, AdvocacyAction.text != "")
        .values(text="")
        .execution_options(synchronize_session=False)
    )
    return total, rowcount(cleared)


def _clear_handover_notes(session: Session, person_id: int) -> int:
    """The handover notes they wrote as an outgoing sponsor lose their text; where a brief
    was theirs as the incoming one, nothing points at it any more."""
    session.execute(
        update(SponsorRotation)
        .where(SponsorRotation.incoming_id == person_id)
        .values(brief_channel=None, brief_ts=None)
        .execution_options(synchronize_session=False)
    )
    cleared = session.execute(
        update(SponsorRotation)
        .where(SponsorRotation.outgoing_id == person_id, SponsorRotation.note != "")
        .values(note="")
        .execution_options(synchronize_session=False)
    )
    return rowcount(cleared)


def _unlink_dms(session: Session, person: Person) -> int:
    """Forget where their DMs are: nothing will update them, nothing points at them."""
    unlinked = rowcount(
        session.execute(
            update(CheckIn)
            .where(
                CheckIn.person_id == person.id,
                or_(CheckIn.message_channel.is_not(None), CheckIn.reminder_channel.is_not(None)),
            )
            .values(message_channel=None, message_ts=None, reminder_channel=None, reminder_ts=None)
            .execution_options(synchronize_session=False)
        )
    )
    if person.slack_user_id is not None:
        unlinked += rowcount(
            session.execute(
                delete(EscalationNotice)
                .where(EscalationNotice.recipient == person.slack_user_id)
                .execution_options(synchronize_session=False)
            )
        )
        unlinked += rowcount(
            session.execute(
                delete(ChannelNotice)
                .where(ChannelNotice.admin == person.slack_user_id)
                .execution_options(synchronize_session=False)
            )
        )
    return unlinked
