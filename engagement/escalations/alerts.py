"""Telling people about an escalation, through the due-work engine: durable and sent once.

Each kind below makes at most one Slack call, so a failure retries only that call and
never repeats a message that already went out. Keys carry the identity, so scheduling
twice, or two scheduler processes, cannot double anything:

- `escalation.announce:<id>` (at creation): the account channel's alert, then one
  `escalation.request:<id>:<person>` per sponsor (DM with Acknowledge / Resolve) and, for a
  critical one, `escalation.critical:<id>` to the escalation path.
- `escalation.realert:<id>` (at the acknowledge deadline): one `escalation.remind:<id>:<person>`
  per sponsor, if still unacknowledged.
- `escalation.path:<id>` (at twice the deadline): to the escalation path, if still unacknowledged.
- `escalation.refresh:<id>:<event>` (after each state change): every message posted about
  it is updated (`chat.update`) to the current state.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engagement.duework import streams
from engagement.duework.queue import schedule
from engagement.duework.registry import WorkContext
from engagement.escalations.cards import EscalationCard, EventKind, Who, card
from engagement.escalations.messages import (
    EscalationAlert,
    EscalationPathAlert,
    EscalationReminder,
    EscalationSponsorRequest,
)
from engagement.models import (
    DueWork,
    Escalation,
    EscalationEvent,
    EscalationNotice,
    EscalationState,
    NoticeKind,
    Person,
    PortfolioSettings,
    Role,
    Severity,
    Sponsorship,
    WorkState,
)
from engagement.notify import DeliveryError, Message, Posted, Undeliverable

log = logging.getLogger(__name__)

ANNOUNCE = "escalation.announce"
REQUEST = "escalation.request"
CRITICAL = "escalation.critical"
REALERT = "escalation.realert"
REMIND = "escalation.remind"
PATH = "escalation.path"
REFRESH = "escalation.refresh"
DELIVERING = (ANNOUNCE, REQUEST, CRITICAL, REALERT, REMIND, PATH)
"""Kinds that post; a refresh waits while one of them is running for the same escalation."""


class StillDelivering(DeliveryError):
    """A message about this escalation is being posted right now; update once it has landed."""


def schedule_new(session: Session, escalation: Escalation) -> None:
    """Queue the announcement and the deadline ladder of a new escalation."""
    payload = {"escalation_id": escalation.id}
    window = escalation.ack_deadline - escalation.created_at
    for kind, due_at in (
        (ANNOUNCE, escalation.created_at),
        (REALERT, escalation.ack_deadline),
        (PATH, escalation.created_at + 2 * window),
    ):
        schedule(
            session,
            kind=kind,
            key=f"{kind}:{escalation.id}",
            due_at=due_at,
            payload=payload,
            stream=streams.escalation(escalation.id),
        )


def schedule_refresh(session: Session, escalation_id: int, event_id: int, now: datetime) -> None:
    schedule(
        session,
        kind=REFRESH,
        key=f"{REFRESH}:{escalation_id}:{event_id}",
        due_at=now,
        payload={"escalation_id": escalation_id},
        stream=streams.escalation(escalation_id),
    )


def _load(context: WorkContext) -> Escalation | None:
    escalation = context.session.get(Escalation, int(context.payload["escalation_id"]))
    if escalation is None:
        log.warning("escalation.missing key=%s", context.key)
    return escalation


def _sponsors(session: Session, account_id: int) -> list[Person]:
    """Current sponsors Slack can reach (a person known only by e-mail cannot be DMed yet)."""
    people = session.scalars(
        select(Person)
        .join(Sponsorship, Sponsorship.person_id == Person.id)
        .where(
            Sponsorship.account_id == account_id,
            Sponsorship.role == Role.SPONSOR,
            Sponsorship.ended_at.is_(None),
        )
        .order_by(Person.id)
    ).all()
    for person in people:
        if person.slack_user_id is None:
            log.warning("escalation.sponsor_unreachable person=%d", person.id)
    return [person for person in people if person.slack_user_id]


def _fan_out(context: WorkContext, escalation: Escalation, kind: str) -> int:
    created = 0
    for person in _sponsors(context.session, escalation.account_id):
        created += schedule(
            context.session,
            kind=kind,
            key=f"{kind}:{escalation.id}:{person.id}",
            due_at=context.now,
            payload={"escalation_id": escalation.id, "person_id": person.id},
            stream=streams.escalation(escalation.id),
        )
    return created


def _path_channel(session: Session) -> str | None:
    settings = session.get(PortfolioSettings, 1)
    return settings.escalation_path if settings is not None else None


def _post(
    context: WorkContext, escalation: Escalation, kind: NoticeKind, to: str, message: Message
) -> Posted:
    posted = context.notifier.post(to, message)
    context.session.add(
        EscalationNotice(
            escalation_id=escalation.id,
            kind=kind,
            recipient=to,
            channel=posted.channel,
            ts=posted.ts,
            posted_at=context.now,
        )
    )
    return posted


def _system_event(context: WorkContext, escalation: Escalation, kind: EventKind, note: str) -> None:
    context.session.add(
        EscalationEvent(
            escalation_id=escalation.id, person_id=None, kind=kind, note=note, at=context.now
        )
    )


def message_for(kind: NoticeKind, current: EscalationCard, recipient: str) -> Message:
    """The message of a notice kind, showing the escalation's current state."""
    if kind is NoticeKind.ALERT:
        return EscalationAlert(card=current)
    if kind in (NoticeKind.CRITICAL, NoticeKind.OVERDUE):
        return EscalationPathAlert(
            card=current, reason="critical" if kind is NoticeKind.CRITICAL else "overdue"
        )
    sponsor = next(
        (who for who in current.sponsors if who.user_id == recipient),
        Who(user_id=recipient, name=recipient),
    )
    if kind is NoticeKind.REQUEST:
        return EscalationSponsorRequest(card=current, sponsor=sponsor)
    return EscalationReminder(card=current, sponsor=sponsor)


def announce(context: WorkContext) -> None:
    """The channel alert (current state), then the sponsors' DMs and the critical path post."""
    escalation = _load(context)
    if escalation is None or escalation.state == EscalationState.CANCELLED:
        return
    channel = escalation.account.channel
    if channel:
        posted = _post(
            context,
            escalation,
            NoticeKind.ALERT,
            channel,
            EscalationAlert(card=card(context.session, escalation)),
        )
        escalation.alert_channel, escalation.alert_ts = posted.channel, posted.ts
    else:
        log.info("escalation.no_channel escalation=%d", escalation.id)
    _fan_out(context, escalation, REQUEST)
    if escalation.severity == Severity.CRITICAL:
        schedule(
            context.session,
            kind=CRITICAL,
            key=f"{CRITICAL}:{escalation.id}",
            due_at=context.now,
            payload={"escalation_id": escalation.id},
            stream=streams.escalation(escalation.id),
        )


def _dm_sponsor(
    context: WorkContext,
    kind: NoticeKind,
    message_type: type[EscalationSponsorRequest] | type[EscalationReminder],
) -> None:
    """DM the sponsor named in the payload, while the escalation is still unacknowledged."""
    escalation = _load(context)
    person = context.session.get(Person, int(context.payload["person_id"]))
    if escalation is None or person is None or not person.slack_user_id:
        return
    if escalation.state != EscalationState.OPEN:
        return
    message = message_type(card=card(context.session, escalation), sponsor=Who.of(person))
    _post(context, escalation, kind, person.slack_user_id, message)


def request(context: WorkContext) -> None:
    """One sponsor's DM with the buttons; not sent once someone has acted on it."""
    _dm_sponsor(context, NoticeKind.REQUEST, EscalationSponsorRequest)


def critical(context: WorkContext) -> None:
    """A critical escalation goes to the escalation path at once, unless already settled."""
    escalation = _load(context)
    path = _path_channel(context.session)
    if escalation is None or escalation.state not in (
        EscalationState.OPEN,
        EscalationState.ACKNOWLEDGED,
    ):
        return
    if path is None:
        log.info("escalation.no_path escalation=%d", escalation.id)
        return
    message = EscalationPathAlert(card=card(context.session, escalation), reason="critical")
    _post(context, escalation, NoticeKind.CRITICAL, path, message)


def realert(context: WorkContext) -> None:
    """At the acknowledge deadline, remind each sponsor once, if nobody has acknowledged."""
    escalation = _load(context)
    if escalation is None or escalation.state != EscalationState.OPEN:
        return
    _system_event(context, escalation, EventKind.REMINDED, "acknowledge deadline passed")
    _fan_out(context, escalation, REMIND)


def remind(context: WorkContext) -> None:
    """One sponsor's reminder past the deadline; not sent once someone has acknowledged."""
    _dm_sponsor(context, NoticeKind.REMINDER, EscalationReminder)


def path(context: WorkContext) -> None:
    """At twice the deadline, tell the escalation path, if still nobody has acknowledged."""
    escalation = _load(context)
    if escalation is None or escalation.state != EscalationState.OPEN:
        return
    channel = _path_channel(context.session)
    if channel is None:
        log.info("escalation.no_path escalation=%d", escalation.id)
        return
    _system_event(context, escalation, EventKind.ESCALATED, f"posted to {channel}")
    message = EscalationPathAlert(card=card(context.session, escalation), reason="overdue")
    _post(context, escalation, NoticeKind.OVERDUE, channel, message)


def _delivering(session: Session, escalation_id: int) -> bool:
    """Whether a posting handler for this escalation is claimed: it may show an older state."""
    keys = [f"{kind}:{escalation_id}" for kind in DELIVERING]
    prefixes = [f"{kind}:{escalation_id}:%" for kind in (REQUEST, REMIND)]
    found = session.scalar(
        select(DueWork.id)
        .where(
            DueWork.state == WorkState.CLAIMED,
            DueWork.key.in_(keys) | DueWork.key.like(prefixes[0]) | DueWork.key.like(prefixes[1]),
        )
        .limit(1)
    )
    return found is not None


def refresh(context: WorkContext) -> None:
    """Update every message about the escalation to its current state (chat.update).

    A message that no longer exists is skipped; the others are still updated.
    """
    escalation = _load(context)
    if escalation is None:
        return
    if _delivering(context.session, escalation.id):
        raise StillDelivering(f"escalation {escalation.id} is being announced")
    current = card(context.session, escalation)
    notices = context.session.scalars(
        select(EscalationNotice)
        .where(EscalationNotice.escalation_id == escalation.id)
        .order_by(EscalationNotice.id)
    ).all()
    for notice in notices:
        message = message_for(NoticeKind(notice.kind), current, notice.recipient)
        try:
            context.notifier.update(Posted(notice.channel, notice.ts), message)
        except Undeliverable as error:
            log.warning("escalation.update_skipped notice=%d error=%s", notice.id, error)
