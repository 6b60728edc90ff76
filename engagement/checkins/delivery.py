"""Due-work handlers: send the day's DM, nudge once, expire.

People not yet resolved to a Slack user ID cannot be DMed. Their check-ins stay due and
the send is retried (a `DeliveryError`, so the engine backs off up to hourly, writing
nothing): once the profile refresh resolves them, the next attempt delivers whatever is
still in time. When everything a send covers is past its expiry, those check-ins are
marked expired (missed) and the send completes, so retries end after a week.

Someone whose Slack status says they are away (`away`) gets no check-in, nudge or
expiry: the check-ins that fall while they are away are skipped, not missed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from engagement.checkins.away import is_away
from engagement.checkins.items import (
    FOLLOWUP_COLUMNS,
    PENDING,
    SETTINGS_JOIN,
    dm_update,
    expires_at,
    followup,
    items,
    prompt,
    remember_followup,
)
from engagement.checkins.messages import CheckinNudge
from engagement.checkins.reminders import close
from engagement.checkins.schedule import day_bounds, local_date, zone
from engagement.checkins.sends import (
    CHECKINS,
    EXPIRE,
    NUDGE,
    expire_key,
    nudge_key,
    parse_send_key,
)
from engagement.duework import streams
from engagement.duework.queue import Scheduled, schedule_all
from engagement.duework.registry import WorkContext
from engagement.models import CheckIn, CheckInState, Person, PortfolioSettings
from engagement.notify import DeliveryError, Notifier, Posted, Undeliverable

log = logging.getLogger(__name__)


class NotReachable(DeliveryError):
    """The person has no Slack user ID yet; try again after the next profile refresh."""


def is_paused(person: Person, now: datetime) -> bool:
    """Paused today in their own zone (`paused_until` is the first day check-ins resume)."""
    return person.paused_until is not None and (
        local_date(now, zone(person.timezone)) < person.paused_until
    )


def withdraw_paused(session: Session, person: Person, now: datetime) -> list[CheckIn]:
    """Remove what a pause covers: planned-only rows go, postponed ones become skipped.

    Returns the postponed ones (their DMs need updating). Delivered, unanswered
    check-ins stay answerable; they are simply not nudged while the pause lasts.
    """
    until = person.paused_until
    if until is None:
        return []
    tz = zone(person.timezone)
    changed = []
    for checkin in session.scalars(
        select(CheckIn).where(CheckIn.person_id == person.id, CheckIn.state == CheckInState.DUE)
    ):
        if local_date(checkin.due_at, tz) >= until:
            continue
        if checkin.sent_at is None:
            session.delete(checkin)
        else:
            close(session, checkin, CheckInState.SKIPPED, now)
            changed.append(checkin)
    session.flush()
    return changed


_DUE_WITH_TIMING = (
    select(CheckIn, *FOLLOWUP_COLUMNS)
    .outerjoin(PortfolioSettings, SETTINGS_JOIN)
    .options(joinedload(CheckIn.account), joinedload(CheckIn.person))
    .where(CheckIn.person_id == bindparam("person_id"), CheckIn.state == CheckInState.DUE)
    .with_for_update(of=CheckIn)  # another day's row of theirs may be sending right now
)
"""A person's due check-ins with everything a DM needs; built once (building it and its
cache key again for every DM cost more CPU than running it)."""


def send(context: WorkContext) -> None:
    person_id, day = parse_send_key(context.key)
    deliver_day(context.session, context.notifier, person_id=person_id, day=day, now=context.now)


def deliver_day(
    session: Session, notifier: Notifier, *, person_id: int, day: date, now: datetime
) -> Posted | None:
    """One DM listing every check-in of the person still due by the end of local `day`.

    One query reads the person's due check-ins with their person, accounts and the
    portfolio's follow-up timing; after the post, one round trip marks them sent and one
    adds their nudge and expiry rows. No due check-in: nothing to send, expire or
    withdraw.
    """
    found = session.execute(_DUE_WITH_TIMING, {"person_id": person_id}).all()
    if not found:
        return None
    person = found[0][0].person
    timing = remember_followup(session, found[0][1], found[0][2])
    if is_paused(person, now):
        for checkin in withdraw_paused(session, person, now):
            _update_dm(session, notifier, checkin)
        return None
    _, end = day_bounds(day, zone(person.timezone))
    due = [checkin for checkin, _, _ in found if checkin.due_at < end]
    if due and is_away(session, notifier, person, now):
        for checkin in due:
            close(session, checkin, CheckInState.SKIPPED, now)
            _update_dm(session, notifier, checkin)  # a postponed one's DM says so
        log.info("checkins.away person=%d skipped=%d", person.id, len(due))
        return None
    live = [
        checkin
        for checkin in due
        if checkin.sent_at is not None  # postponed: its expiry has its own row
        or now < expires_at(checkin, checkin.account, person, timing.expire_after)
    ]
    if live and person.slack_user_id is None:
        raise NotReachable(f"person {person.id} has no Slack user ID yet")  # writes nothing
    for checkin in set(due) - set(live):
        checkin.state, checkin.closed_at = CheckInState.EXPIRED, now  # never reached: missed
        log.warning("checkins.expired_undelivered checkin=%d person=%d", checkin.id, person.id)
    if not live or person.slack_user_id is None:
        return None
    for checkin in live:
        set_committed_value(checkin, "state", CheckInState.SENT)
        set_committed_value(checkin, "sent_at", now)
    message = prompt(session, person, live)
    # What the run wrote so far (the status `is_away` read) takes its row locks now, before
    # the post: waiting for them after it, a deadlock with a look-up retiming this person
    # would roll back a run whose DM Slack took, and its retry would send it again.
    session.flush()
    posted = notifier.post(person.slack_user_id, message)
    _mark_sent(session, live, now, posted)
    followups: list[Scheduled] = []
    stream = streams.person(person.id)
    for checkin in live:
        payload = {"checkin_id": checkin.id}
        expiry = expires_at(checkin, checkin.account, person, timing.expire_after)
        followups.append(
            Scheduled(NUDGE, nudge_key(checkin.id), now + timing.nudge_after, payload, stream)
        )
        followups.append(Scheduled(EXPIRE, expire_key(checkin.id), expiry, payload, stream))
    schedule_all(session, followups)
    log.info("checkins.sent person=%d count=%d", person.id, len(live))
    return posted


_MARK_SENT = (
    update(CHECKINS)
    .where(CHECKINS.c.id == bindparam("checkin_id"))
    .values(
        state=CheckInState.SENT.value,
        sent_at=bindparam("sent_at"),
        message_channel=bindparam("channel"),
        message_ts=bindparam("ts"),
    )
)


def _mark_sent(
    session: Session, checkins: Sequence[CheckIn], now: datetime, posted: Posted
) -> None:
    """Record where each check-in's DM went, in one round trip.

    Written directly rather than flushed by the unit of work (whose bookkeeping cost more
    CPU than the update, on the path of every DM); the loaded rows are told the values as
    if read back, so the session stays true to the database.
    """
    session.execute(
        _MARK_SENT,
        [
            {"checkin_id": c.id, "sent_at": now, "channel": posted.channel, "ts": posted.ts}
            for c in checkins
        ],
    )
    for checkin in checkins:
        set_committed_value(checkin, "message_channel", posted.channel)
        set_committed_value(checkin, "message_ts", posted.ts)


def nudge(context: WorkContext) -> None:
    """One reminder, covering every check-in of the person that is due a nudge by now."""
    session, now = context.session, context.now
    checkin = session.get(CheckIn, int(context.payload["checkin_id"]))
    if checkin is None or checkin.state != CheckInState.SENT:
        return  # answered, skipped, expired, postponed, or already nudged with another
    person = checkin.person
    if is_paused(person, now) or is_away(session, context.notifier, person, now):
        return
    if person.slack_user_id is None:
        return
    cutoff = now - followup(session).nudge_after
    batch = session.scalars(
        select(CheckIn)
        .options(joinedload(CheckIn.account))
        .where(
            CheckIn.person_id == person.id,
            CheckIn.state == CheckInState.SENT,
            or_(
                CheckIn.id == checkin.id,
                # a postponed check-in was re-sent: it is nudged only by its own (moved) row
                (CheckIn.sent_at <= cutoff) & CheckIn.deferred.is_(False),
            ),
        )
        .with_for_update(of=CheckIn)  # another row of theirs may be nudging them right now
    ).all()
    if not batch:
        return  # it did: PostgreSQL re-read the rows once that one committed
    for row in batch:
        row.state = CheckInState.NUDGED
    message = CheckinNudge(
        user_id=person.slack_user_id,
        recipient_name=person.display_name,
        items=items(session, batch),
    )
    posted = context.notifier.post(person.slack_user_id, message)
    for row in batch:  # kept true as each one is answered, skipped or expires
        row.reminder_channel, row.reminder_ts = posted.channel, posted.ts
    log.info("checkins.nudged person=%d count=%d", person.id, len(batch))


def expire(context: WorkContext) -> None:
    """Unanswered at the deadline: expired, counted as missed (skipped if the person is
    away); the DM says so."""
    checkin = context.session.get(CheckIn, int(context.payload["checkin_id"]))
    if checkin is None or checkin.state not in PENDING:
        return
    away = is_away(context.session, context.notifier, checkin.person, context.now)
    state = CheckInState.SKIPPED if away else CheckInState.EXPIRED  # away: not missed
    close(context.session, checkin, state, context.now)
    _update_dm(context.session, context.notifier, checkin)
    log.info("checkins.expired checkin=%d", checkin.id)


def _update_dm(session: Session, notifier: Notifier, checkin: CheckIn) -> None:
    update = dm_update(session, checkin)
    if update is None:
        return
    try:
        notifier.update(update.where, update.message)
    except Undeliverable as error:  # the DM is gone; the state change still stands
        log.warning("checkins.dm_gone checkin=%d error=%s", checkin.id, error)
