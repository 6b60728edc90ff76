"""The handover: the incoming sponsor's brief, the outgoing sponsor's request for a note,
and the note added to the brief in place (`chat.update`), each sent as due work."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engagement.checkins.planner import next_checkin
from engagement.duework.registry import WorkContext
from engagement.escalations.cards import Who
from engagement.escalations.listing import Listed, for_account
from engagement.indicators import RATED
from engagement.models import (
    Account,
    AdvocacyAction,
    Answer,
    CheckIn,
    CheckInState,
    Person,
    Role,
    SponsorRotation,
    Sponsorship,
)
from engagement.notify import Message, Posted
from engagement.people import apply_profile
from engagement.risks.lines import RiskLine
from engagement.risks.service import open_risks
from engagement.scoring.cards import card, score_fall
from engagement.scoring.evaluate import score_accounts
from engagement.scoring.messages import ScorecardCard
from engagement.scoring.strategic import cards_with_strategic

log = logging.getLogger(__name__)

ANSWER_WEEKS = 8
HIGHLIGHTS = 3
"""Advocacy actions named in the brief: the latest."""


class Part(BaseModel):
    model_config = ConfigDict(frozen=True)


class Side(Part):
    """One side's check-ins over the last weeks: how many settled (answered or expired),
    how many answered, and the means."""

    role: Role
    settled: int
    answered: int
    means: dict[str, float]
    """Indicator label -> mean rating (1–5) of the answers, the latest revision of each."""
    meetings_held: int


class Highlight(Part):
    text: str
    by: Who
    on: date


class HandoverBrief(Message):
    """The incoming sponsor's DM: what they take over."""

    account: str
    incoming: Who
    outgoing: Who
    sams: list[Who]
    rotated_on: date
    card: ScorecardCard
    trend: list[int | None]
    """The overall score of each of the last 12 weeks, oldest first."""
    escalations: list[Listed]
    risks: list[RiskLine]
    sides: list[Side]
    highlights: list[Highlight]
    next_checkin: datetime | None
    timezone: str
    """The incoming sponsor's zone (from Slack): the next check-in is shown in it."""
    note: str


class HandoverNoteRequest(Message):
    """The outgoing sponsor's DM, with the button that opens the note's modal."""

    rotation_id: int
    account: str
    incoming: Who


class HandoverNoteAdded(Message):
    """What the request DM becomes once the note is written."""

    account: str
    incoming: Who


def build_brief(session: Session, rotation: SponsorRotation, now: datetime) -> HandoverBrief:
    account = rotation.account
    incoming = session.get_one(Person, rotation.incoming_id)
    outgoing = session.get_one(Person, rotation.outgoing_id)
    [scores] = score_accounts(session, Account.id == account.id, now=now)
    weeks = sorted(scores.weeks)[-12:]
    sams = session.scalars(
        select(Person)
        .join(Sponsorship, Sponsorship.person_id == Person.id)
        .where(Sponsorship.account_id == account.id, Sponsorship.role == Role.SAM,
               Sponsorship.ended_at.is_(None))
        .order_by(Person.id)
    ).all()  # fmt: skip
    return HandoverBrief(
        account=account.name,
        incoming=Who.of(incoming),
        outgoing=Who.of(outgoing),
        sams=[Who.of(sam) for sam in sams],
        rotated_on=rotation.rotated_at.date(),
        card=cards_with_strategic(session, [card(scores, score_fall(session))], now.date())[0],
        trend=[scores.weeks[week].score.score for week in weeks],
        escalations=for_account(session, account.id, now=now).items,
        risks=open_risks(session, [account.id]),
        sides=_sides(session, account.id, now - timedelta(weeks=ANSWER_WEEKS), now),
        highlights=_highlights(session, account.id, now - timedelta(weeks=ANSWER_WEEKS)),
        next_checkin=next_checkin(session, account, incoming, after=now),
        timezone=incoming.timezone,
        note=rotation.note,
    )


def _sides(session: Session, account_id: int, since: datetime, now: datetime) -> list[Side]:
    """Both sides' check-ins due in the window; each answered one's latest revision counts.

    Answered of those settled (answered or expired), as the response rate counts them: one
    still open (the incoming sponsor's first, sent as the brief goes out) or skipped was
    not missed."""
    window = (CheckIn.account_id == account_id, CheckIn.due_at >= since, CheckIn.due_at <= now)
    counts = {
        role: (settled, answered)
        for role, settled, answered in session.execute(
            select(
                CheckIn.role,
                func.count(),
                func.sum(case((CheckIn.state == CheckInState.ANSWERED, 1), else_=0)),
            )
            .where(*window, CheckIn.state.in_([CheckInState.ANSWERED, CheckInState.EXPIRED]))
            .group_by(CheckIn.role)
        ).all()
    }
    latest = (
        select(func.max(Answer.revision))
        .where(Answer.checkin_id == CheckIn.id)
        .correlate(CheckIn)
        .scalar_subquery()
    )
    rated = [getattr(Answer, key) for key in RATED]
    means = {
        role: row
        for role, *row in session.execute(
            select(
                CheckIn.role,
                *(func.avg(column) for column in rated),
                func.sum(case((Answer.alignment_meeting_held, 1), else_=0)),
            )
            .join(Answer, Answer.checkin_id == CheckIn.id)
            .where(*window, Answer.revision == latest)
            .group_by(CheckIn.role)
        ).all()
    }
    sides = []
    for role in (Role.SPONSOR, Role.SAM):
        row = means.get(role.value) or [None] * (len(RATED) + 1)
        sides.append(
            Side(
                role=role,
                settled=int(counts.get(role.value, (0, 0))[0]),
                answered=int(counts.get(role.value, (0, 0))[1]),
                means={
                    label: round(float(value), 1)
                    for label, value in zip(RATED.values(), row[:-1], strict=True)
                    if value is not None
                },
                meetings_held=int(row[-1] or 0),
            )
        )
    return sides


def _highlights(session: Session, account_id: int, since: datetime) -> list[Highlight]:
    rows = session.execute(
        select(AdvocacyAction, Person)
        .join(Person, Person.id == AdvocacyAction.person_id)
        .where(AdvocacyAction.account_id == account_id, AdvocacyAction.logged_at >= since,
               AdvocacyAction.text != "")
        .order_by(AdvocacyAction.logged_at.desc(), AdvocacyAction.id.desc())
        .limit(HIGHLIGHTS)
    ).all()  # fmt: skip
    return [Highlight(text=a.text, by=Who.of(p), on=a.logged_at.date()) for a, p in rows]


# --- the due work ------------------------------------------------------------------------


def _rotation(context: WorkContext) -> SponsorRotation | None:
    return context.session.get(SponsorRotation, int(context.payload["rotation_id"]))


def send_brief(context: WorkContext) -> None:
    """DM the brief, in the incoming sponsor's time zone as Slack has it now."""
    session, now = context.session, context.now
    rotation = _rotation(context)
    if rotation is None or rotation.brief_ts is not None:
        return
    incoming = session.get_one(Person, rotation.incoming_id)
    if incoming.slack_user_id is None:
        log.warning("rotation.no_slack_id rotation=%d person=%d", rotation.id, incoming.id)
        return
    profile = context.notifier.profile(user_id=incoming.slack_user_id)
    if profile is not None:
        apply_profile(session, incoming, profile, now)
        incoming.timezone_checked_at = now
    posted = context.notifier.post(incoming.slack_user_id, build_brief(session, rotation, now))
    rotation.brief_channel, rotation.brief_ts = posted.channel, posted.ts
    log.info("rotation.brief_sent rotation=%d account=%d", rotation.id, rotation.account_id)


def ask_note(context: WorkContext) -> None:
    """Ask the outgoing sponsor for a handover note (unless it was written already)."""
    session = context.session
    rotation = _rotation(context)
    if rotation is None or rotation.note_at is not None:
        return
    outgoing = session.get_one(Person, rotation.outgoing_id)
    if outgoing.slack_user_id is None:
        return
    incoming = session.get_one(Person, rotation.incoming_id)
    context.notifier.post(
        outgoing.slack_user_id,
        HandoverNoteRequest(
            rotation_id=rotation.id, account=rotation.account.name, incoming=Who.of(incoming)
        ),
    )
    log.info("rotation.note_asked rotation=%d", rotation.id)


def add_note(context: WorkContext) -> None:
    """The brief, brought up to date with the note, replaces itself in the incoming
    sponsor's DM; a brief not sent yet will carry the note when it goes."""
    rotation = _rotation(context)
    if rotation is None or rotation.brief_channel is None or rotation.brief_ts is None:
        return
    where = Posted(rotation.brief_channel, rotation.brief_ts)
    context.notifier.update(where, build_brief(context.session, rotation, context.now))
    log.info("rotation.note_in_brief rotation=%d", rotation.id)
