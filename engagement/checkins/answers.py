"""Answering a check-in: what the modal shows, and recording an answer exactly once.

Idempotency rule. Within one transaction that holds the check-in's row lock (PostgreSQL
`FOR UPDATE`; SQLite's `BEGIN IMMEDIATE` serialises writers), a submission adds no
revision when either
  1. its `request_key` (the modal's view ID: one per opened modal) was already recorded,
     so a double click or a retried request of the same modal keeps one answer; or
  2. its content equals the latest revision's, so answering the same thing twice from
     two surfaces (the DM and App Home) does not create a copy.
Anything else is a new revision (an Edit); earlier revisions are kept and the latest
counts. The advocacy text of the latest revision is mirrored in one `AdvocacyAction`
per check-in, so an edit does not count the same action twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from engagement.access import Actor, account_for, require_owner, roles_on
from engagement.checkins.form import AnswerForm
from engagement.checkins.items import (
    DmUpdate,
    dm_update,
    expires_at,
    followup,
    latest_answers,
    summary,
)
from engagement.checkins.messages import AnswerSummary
from engagement.checkins.reminders import close
from engagement.checkins.schedule import local_date, zone
from engagement.checkins.sends import EXPIRE, expire_key
from engagement.duework import streams
from engagement.duework.queue import schedule
from engagement.errors import Conflict, Invalid, Line, NotAllowed, NotFound
from engagement.models import (
    Account,
    AdvocacyAction,
    Answer,
    CheckIn,
    CheckInState,
    Person,
    Phase,
    ProcessedRequest,
    Role,
    Sponsorship,
)
from engagement.scoring.digest_stale import digest_changed

ANSWER_FIELDS = tuple(AnswerForm.model_fields)


@dataclass(frozen=True)
class CheckinForm:
    """What the answer modal needs: whose check-in, about what, worded for which role."""

    checkin_id: int
    account_name: str
    role: Role
    sponsor_names: tuple[str, ...]  # whom a SAM rates
    period_start: date
    revision: int  # the latest revision, 0 when not answered yet
    latest: AnswerForm | None  # prefill for an Edit
    phase: Phase | None = None  # whose question a sponsor answers (seed 002); None for a SAM


@dataclass(frozen=True)
class Recorded:
    """The outcome of a submission; `dm` is the DM to update (None for ad-hoc check-ins).

    A duplicate carries the DM too, so a retried submission repairs a DM update that the
    first one could not make.
    """

    checkin_id: int
    account_name: str
    revision: int
    duplicate: bool  # True when nothing new was written (see the module's rule)
    answer: AnswerSummary
    dm: DmUpdate | None


GONE = "That check-in no longer exists."

_CHECKIN = select(CheckIn).where(CheckIn.id == bindparam("checkin_id"))
_CHECKIN_LOCKED = _CHECKIN.with_for_update()
"""Built once, as every check-in button runs one of them (see `access.actor_for`)."""


def own_checkin(session: Session, actor: Actor, checkin_id: int, *, lock: bool = False) -> CheckIn:
    """The actor's own check-in; anyone else's is refused (and logged)."""
    query = _CHECKIN_LOCKED if lock else _CHECKIN
    checkin = session.scalars(query, {"checkin_id": checkin_id}).first()
    if checkin is None:
        raise NotFound(GONE)
    require_owner(actor, checkin.person_id, what="check-in", ref=checkin_id)
    return checkin


_OWNERS = select(
    CheckIn.person_id,
    select(Person.id).where(Person.slack_user_id == bindparam("user_id")).scalar_subquery(),
).where(CheckIn.id == bindparam("checkin_id"))
"""The check-in's recipient and the clicking person's row, in one statement."""


def refuse_unless_own(
    connection: Connection, user_id: str, admins: Collection[str], checkin_id: int
) -> None:
    """`own_checkin`'s refusals, decided by one read on a plain connection.

    The buttons that change a check-in (*Skip this one*, *Remind me tomorrow*) are checked
    so before their change takes the write lock, and a stale or forged click ends here.
    One statement instead of an ORM session's two takes the CPU of refusing a click from
    1.24 to 0.90 ms; under a burst of clicks that work is what delays everyone's acks.
    """
    row = connection.execute(_OWNERS, {"checkin_id": checkin_id, "user_id": user_id}).first()
    if row is None:
        raise NotFound(GONE)
    owner_id, person_id = row
    actor = Actor(user_id=user_id, person_id=person_id, is_admin=user_id in admins)
    require_owner(actor, owner_id, what="check-in", ref=checkin_id)


def _refuse_expired(checkin: CheckIn) -> None:
    if checkin.state == CheckInState.EXPIRED:
        raise Conflict(
            Line(
                "This check-in for {name} expired. Use `/sponsor checkin {name}` to answer now.",
                name=checkin.account.name,
            )
        )


def checkin_form(session: Session, *, actor: Actor, checkin_id: int) -> CheckinForm:
    """For Answer and Edit buttons: the modal's content, prefilled from the latest revision."""
    checkin = own_checkin(session, actor, checkin_id)
    _refuse_expired(checkin)
    return _form(session, checkin)


def _form(session: Session, checkin: CheckIn) -> CheckinForm:
    latest = latest_answers(session, [checkin.id]).get(checkin.id)
    sponsors = session.scalars(
        select(Person.display_name)
        .join(Sponsorship, Sponsorship.person_id == Person.id)
        .where(
            Sponsorship.account_id == checkin.account_id,
            Sponsorship.role == Role.SPONSOR,
            Sponsorship.ended_at.is_(None),
        )
        .order_by(Person.display_name)
    ).all()
    return CheckinForm(
        checkin_id=checkin.id,
        account_name=checkin.account.name,
        role=Role(checkin.role),
        sponsor_names=tuple(sponsors),
        period_start=checkin.period_start,
        revision=latest.revision if latest else 0,
        latest=AnswerForm.model_validate({k: getattr(latest, k) for k in ANSWER_FIELDS})
        if latest
        else None,
        phase=_asked_phase(checkin),
    )


def _asked_phase(checkin: CheckIn) -> Phase | None:
    """The phase whose question the check-in asks: the account's, of a sponsor only."""
    return Phase(checkin.account.phase) if checkin.role == Role.SPONSOR else None


def _with_phase_check(checkin: CheckIn, answer: AnswerForm) -> AnswerForm:
    """A sponsor may answer the phase's question; a SAM is not asked, whatever a payload
    says."""
    if _asked_phase(checkin) is None and answer.phase_check is not None:
        return answer.model_copy(update={"phase_check": None})
    return answer


def open_or_create_adhoc(
    session: Session, *, actor: Actor, account: str | None, now: datetime
) -> CheckinForm:
    """`/sponsor checkin [account]`: the pending check-in, else a new one for today.

    Without an account: the oldest pending check-in, else the only account the person
    has. With one: that account's pending check-in, else today's (an answered one opens
    as an Edit), else a new ad-hoc check-in for today, which expires like any other.
    """
    if actor.person_id is None:
        raise NotAllowed("Only sponsors and SAMs answer check-ins, and you are neither yet.")
    person = session.get_one(Person, actor.person_id)
    pending = select(CheckIn).where(
        CheckIn.person_id == person.id,
        CheckIn.state.in_([CheckInState.SENT, CheckInState.NUDGED, CheckInState.DUE]),
        CheckIn.due_at <= now,
    )
    if account is None:
        oldest = session.scalars(pending.order_by(CheckIn.due_at, CheckIn.id)).first()
        if oldest is not None:
            return _form(session, oldest)
        mine = _my_accounts(session, person.id)
        if len(mine) != 1:
            names = ", ".join(row.name for row in mine) or "none"
            hint = "Name the account: `/sponsor checkin <account>` (yours: {names})."
            raise Invalid(Line(hint, names=names))
        target = mine[0]
    else:
        target = account_for(session, actor, account)
    roles = roles_on(session, actor, target.id)
    if not roles:
        raise NotAllowed(
            Line("Only the sponsors and the SAM of {name} answer its check-ins.", name=target.name)
        )
    found = session.scalars(
        pending.where(CheckIn.account_id == target.id).order_by(CheckIn.due_at)
    ).first()
    if found is not None:
        return _form(session, found)
    today = local_date(now, zone(person.timezone))
    todays = session.scalars(
        select(CheckIn).where(
            CheckIn.account_id == target.id,
            CheckIn.person_id == person.id,
            CheckIn.period_start == today,
        )
    ).first()
    if todays is not None and todays.state != CheckInState.EXPIRED:
        if todays.state == CheckInState.DUE:  # planned for later today: answer it now
            todays.state, todays.sent_at = CheckInState.SENT, now
            _schedule_expiry(session, todays, target, person, now)
        return _form(session, todays)
    if todays is not None:
        raise Conflict(Line("Today's check-in for {name} has expired.", name=target.name))
    checkin = CheckIn(
        account_id=target.id,
        person_id=person.id,
        role=Role.SPONSOR if Role.SPONSOR in roles else Role.SAM,
        period_start=today,
        due_at=now,
        state=CheckInState.SENT,
        sent_at=now,
    )
    session.add(checkin)
    session.flush()
    _schedule_expiry(session, checkin, target, person, now)
    return _form(session, checkin)


def _schedule_expiry(
    session: Session, checkin: CheckIn, account: Account, person: Person, now: datetime
) -> None:
    """An ad-hoc check-in left unanswered expires like a scheduled one."""
    deadline = expires_at(checkin, account, person, followup(session).expire_after)
    schedule(
        session,
        kind=EXPIRE,
        key=expire_key(checkin.id),
        due_at=max(now, deadline),
        payload={"checkin_id": checkin.id},
        stream=streams.person(person.id),
    )


def _my_accounts(session: Session, person_id: int) -> list[Account]:
    return list(
        session.scalars(
            select(Account)
            .where(
                Account.id.in_(
                    select(Sponsorship.account_id).where(
                        Sponsorship.person_id == person_id, Sponsorship.ended_at.is_(None)
                    )
                )
            )
            .order_by(Account.name)
        )
    )


def record_answer(
    session: Session,
    *,
    actor: Actor,
    checkin_id: int,
    form: Mapping[str, Any] | AnswerForm,
    now: datetime,
    request_key: str | None = None,
) -> Recorded:
    """Validate and record an answer (revision 1, or the next one for an Edit).

    Raises `NotAllowed` for anyone but the recipient, `FormInvalid` (with
    `field_errors`) for bad input, `Conflict` for an expired check-in; writes nothing then.
    The caller commits before telling the user, then applies `dm`.
    """
    checkin = own_checkin(session, actor, checkin_id, lock=True)
    _refuse_expired(checkin)
    answer = form if isinstance(form, AnswerForm) else AnswerForm.parse(form)
    answer = _with_phase_check(checkin, answer)
    latest = latest_answers(session, [checkin.id]).get(checkin.id)
    processed = _request(request_key)
    seen = processed is not None and session.get(ProcessedRequest, processed) is not None
    if latest is not None and (seen or _same(latest, answer)):
        # the DM is rebuilt all the same: the first submission may have been recorded
        # without its DM update getting through, and updating it again changes nothing
        return Recorded(
            checkin.id,
            checkin.account.name,
            latest.revision,
            True,
            summary(latest),
            dm_update(session, checkin),
        )
    row = Answer(
        checkin_id=checkin.id,
        revision=(latest.revision + 1) if latest else 1,
        submitted_at=now,
        submitted_by=checkin.person_id,
        phase=_asked_phase(checkin) if answer.phase_check is not None else None,
        **answer.values(),
    )
    session.add(row)
    session.flush()
    _mirror_advocacy(session, checkin, row, now)
    if processed is not None:
        session.add(ProcessedRequest(key=processed, at=now))
    if checkin.state != CheckInState.ANSWERED:
        close(session, checkin, CheckInState.ANSWERED, now)
    digest_changed(session, checkin.account_id, now)
    return Recorded(
        checkin.id,
        checkin.account.name,
        row.revision,
        False,
        summary(row),
        dm_update(session, checkin),
    )


def _request(request_key: str | None) -> str | None:
    if not request_key:
        return None
    digest = hashlib.sha256(request_key.encode()).hexdigest()[:40]
    return f"checkin.answer:{digest}"


def _same(latest: Answer, answer: AnswerForm) -> bool:
    return all(getattr(latest, name) == value for name, value in answer.values().items())


def _mirror_advocacy(session: Session, checkin: CheckIn, row: Answer, now: datetime) -> None:
    earlier = session.scalars(
        select(AdvocacyAction).where(
            AdvocacyAction.answer_id.in_(
                select(Answer.id).where(Answer.checkin_id == checkin.id, Answer.id != row.id)
            )
        )
    ).all()
    text = row.advocacy.strip()
    if earlier and text:
        earlier[0].text, earlier[0].answer_id = text, row.id
        earlier = earlier[1:]
    elif text:
        session.add(
            AdvocacyAction(
                account_id=checkin.account_id,
                person_id=checkin.person_id,
                text=text,
                logged_at=now,
                answer_id=row.id,
            )
        )
    for stale in earlier:
        session.delete(stale)
