"""The introduction: one DM before a person's first check-in, saying who Sherpa is.

It is queued (`checkin.introduce`, one key per person, on the person's stream) once the
person has a planned check-in and Slack has told Sherpa their time zone: by the planner
when it plans someone already looked up, by the profile look-up when it comes after the
planning. So the time it announces is the first check-in's, in the person's own zone.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Exists,
    Integer,
    String,
    bindparam,
    cast,
    exists,
    literal,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from engagement.checkins.delivery import NotReachable
from engagement.checkins.messages import IntroducedAccount, Introduction
from engagement.checkins.schedule import zone
from engagement.duework import streams
from engagement.duework.queue import schedule
from engagement.duework.registry import WorkContext
from engagement.models import (
    Account,
    CheckIn,
    CheckInState,
    DueWork,
    Person,
    PortfolioSettings,
    Role,
    Sponsorship,
)

log = logging.getLogger(__name__)

INTRODUCE = "checkin.introduce"
_KEY_PREFIX = f"{INTRODUCE}:"
"""A person's introduction is keyed by the prefix and their ID: one per person, ever."""


def introduce_newcomers(
    session: Session,
    *,
    now: datetime,
    after_checkin: int = 0,
    people: list[int] | None = None,
) -> None:
    """Queue the introduction of everyone not yet introduced whose zone Slack gave, and who
    has a check-in planned (one planned after `after_checkin`, or any of `people`'s).

    Someone whose introduction is queued already is left out rather than added again (which
    would add nothing): adding it would wait for a run of that introduction in progress,
    while this transaction holds the person's row (a look-up wrote it) that the run is to
    write too, a deadlock PostgreSQL may break by aborting the run after Slack took its DM.
    """
    query = (
        select(Person.id)
        .join(CheckIn, CheckIn.person_id == Person.id)
        .where(
            Person.introduced_at.is_(None),
            Person.timezone_checked_at.is_not(None),
            CheckIn.state == CheckInState.DUE,
            CheckIn.id > after_checkin,
            ~_ever_sent(Person.id),
            ~_queued(Person.id),
        )
        .distinct()
    )
    if people is not None:
        query = query.where(Person.id.in_(people))
    for person_id in session.scalars(query):
        schedule(
            session,
            kind=INTRODUCE,
            key=f"{_KEY_PREFIX}{person_id}",
            due_at=now,
            stream=streams.person(person_id),
        )


_SENT = aliased(CheckIn, name="sent")  # not an outer query's check-ins


def _queued(person_id: InstrumentedAttribute[int] | ColumnElement[int]) -> Exists:
    """Whether the person's introduction is queued (to be sent, being sent, or done)."""
    key = literal(_KEY_PREFIX) + cast(person_id, String)
    return exists().where(DueWork.key == key)


def _ever_sent(person_id: InstrumentedAttribute[int] | ColumnElement[int]) -> Exists:
    """Whether the person was ever sent a check-in."""
    return exists().where(_SENT.person_id == person_id, _SENT.sent_at.is_not(None))


# One person's statements, built once: an introduction is sent to everyone imported, and
# building them (an alias above all) cost more than running them.
_PERSON = bindparam("person_id", type_=Integer)
_EVER_SENT = select(_ever_sent(_PERSON))
_FIRST_PLANNED = (
    select(CheckIn.due_at)
    .where(CheckIn.person_id == _PERSON, CheckIn.state == CheckInState.DUE)
    .order_by(CheckIn.due_at)
    .limit(1)
)
_ACCOUNTS = (
    select(Account, Sponsorship.role)
    .join(Sponsorship, Sponsorship.account_id == Account.id)
    .where(Sponsorship.person_id == _PERSON, Sponsorship.ended_at.is_(None))
    .order_by(Account.name, Sponsorship.role.desc())
)


def introduce(context: WorkContext) -> None:
    """Send the introduction, unless the person was introduced or has nothing planned."""
    session, now = context.session, context.now
    # Locked before the post, as the check-ins of a DM are: a look-up writing the person
    # meanwhile is waited for here, not after Slack took the DM, where a deadlock or a
    # failed write would roll the run back and its retry send the DM again.
    person_id = int(context.key.removeprefix(_KEY_PREFIX))
    person = session.get(Person, person_id, with_for_update=True, populate_existing=True)
    if person is None or person.introduced_at is not None:
        return
    if session.scalar(_EVER_SENT, {"person_id": person.id}):
        return  # met Sherpa through a check-in already: too late for an introduction
    first = session.scalar(_FIRST_PLANNED, {"person_id": person.id})
    if first is None:
        return  # ended or paused meanwhile: never queued again (one key per person), so
        # they meet Sherpa through their first check-in
    if person.slack_user_id is None:
        raise NotReachable(f"person {person.id} has no Slack user ID yet")
    context.notifier.post(person.slack_user_id, introduction(session, person, first))
    person.introduced_at = now
    log.info("checkins.introduced person=%d", person.id)


def introduction(session: Session, person: Person, first: datetime) -> Introduction:
    """What the introduction says: the person's accounts, roles and cadences, and when."""
    rows = session.execute(_ACCOUNTS, {"person_id": person.id}).all()
    accounts: dict[int, IntroducedAccount] = {}
    for account, role in rows:  # a sponsor who is also SAM answers as sponsor
        accounts.setdefault(
            account.id,
            IntroducedAccount(
                name=account.name,
                role=Role(role),
                cadence=account.cadence,
                weekday=account.checkin_weekday,
                at=account.checkin_time,
            ),
        )
    assert person.slack_user_id is not None
    settings = session.get(PortfolioSettings, 1)
    return Introduction(
        user_id=person.slack_user_id,
        accounts=tuple(accounts.values()),
        first_checkin=first.astimezone(zone(person.timezone)),
        timezone=person.timezone,
        working_days=settings is None or settings.working_days,
    )
