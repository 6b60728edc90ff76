"""Turning check-in rows into the plain data of DMs and App Home, and rebuilding a DM."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session, aliased

from engagement.checkins.messages import (
    AnswerSummary,
    CheckinItem,
    CheckinPrompt,
    ItemStatus,
    Rating,
)
from engagement.checkins.schedule import local_date, to_utc, zone
from engagement.checkins.workdays import country_for, day_off, working_day
from engagement.indicators import RATED
from engagement.models import Account, Answer, CheckIn, CheckInState, Person, PortfolioSettings
from engagement.notify import Posted

PENDING = (CheckInState.DUE, CheckInState.SENT, CheckInState.NUDGED)
"""States in which a check-in can still be answered (or skipped) on time."""


@dataclass(frozen=True)
class Followup:
    """When to nudge and when to give up, from the portfolio settings."""

    nudge_after: timedelta
    expire_after: timedelta


FOLLOWUP_COLUMNS = (PortfolioSettings.nudge_after_hours, PortfolioSettings.expire_after_days)
"""Select these outer-joined on `SETTINGS_JOIN` to read the timing with other rows."""
SETTINGS_JOIN = PortfolioSettings.id == 1


def followup(session: Session) -> Followup:
    """Read once per transaction: every DM the engine sends needs it twice."""
    transaction = session.get_transaction()
    found = session.info.get("checkins.followup")
    if found is not None and transaction is not None and found[0] is transaction:
        return cast(Followup, found[1])
    stored = session.execute(select(*FOLLOWUP_COLUMNS).where(SETTINGS_JOIN)).first()
    return remember_followup(session, *(stored or (None, None)))


def remember_followup(
    session: Session, nudge_after_hours: int | None, expire_after_days: int | None
) -> Followup:
    """The timing from `FOLLOWUP_COLUMNS` read along with other rows, kept for `followup`."""
    timing = Followup(
        timedelta(hours=48 if nudge_after_hours is None else nudge_after_hours),
        timedelta(days=7 if expire_after_days is None else expire_after_days),
    )
    session.info["checkins.followup"] = (session.get_transaction(), timing)
    return timing


def expires_at(checkin: CheckIn, account: Account, person: Person, after: timedelta) -> datetime:
    """The period's scheduled time plus the expiry delay (a postponement does not extend it)."""
    return to_utc(checkin.period_start, account.checkin_time, zone(person.timezone)) + after


@dataclass(frozen=True)
class DmUpdate:
    """A DM to replace after a change: where it is and its new content."""

    where: Posted
    message: CheckinPrompt


def status_of(checkin: CheckIn) -> ItemStatus:
    if checkin.state == CheckInState.ANSWERED:
        return ItemStatus.ANSWERED
    if checkin.state == CheckInState.SKIPPED:
        return ItemStatus.SKIPPED
    if checkin.state == CheckInState.EXPIRED:
        return ItemStatus.EXPIRED
    if checkin.state == CheckInState.DUE and checkin.deferred and checkin.sent_at is not None:
        return ItemStatus.POSTPONED
    return ItemStatus.PENDING


def summary(answer: Answer) -> AnswerSummary:
    return AnswerSummary(
        revision=answer.revision,
        ratings=tuple(
            Rating(key=key, label=label, value=getattr(answer, key)) for key, label in RATED.items()
        ),
        role_direction=answer.role_direction,
        alignment_meeting_held=answer.alignment_meeting_held,
        stakeholders_met=answer.stakeholders_met,
        advocacy=answer.advocacy,
        note=answer.note,
        submitted_at=answer.submitted_at,
        phase=answer.phase,
        phase_check=answer.phase_check,
    )


_NEWER = aliased(Answer)
_LATEST_REVISION = ~exists().where(
    _NEWER.checkin_id == Answer.checkin_id, _NEWER.revision > Answer.revision
)


def is_latest_revision() -> ColumnElement[bool]:
    """True for an `Answer` that no later revision of its check-in replaced (a correlated
    NOT EXISTS on the revision's unique index), to select the answers that count in SQL.
    Built once: an alias of a mapped class costs more to make than the query to run."""
    return _LATEST_REVISION


def latest_answers(session: Session, checkin_ids: Sequence[int]) -> dict[int, Answer]:
    """The latest revision of each check-in's answer (the one that counts)."""
    latest: dict[int, Answer] = {}
    if checkin_ids:
        query = (
            select(Answer)
            .where(Answer.checkin_id.in_(checkin_ids))
            .order_by(Answer.checkin_id, Answer.revision)
        )
        for answer in session.scalars(query):
            latest[answer.checkin_id] = answer
    return latest


def items(session: Session, checkins: Sequence[CheckIn]) -> tuple[CheckinItem, ...]:
    """Items in account-name order; each check-in's account and person must be loaded."""
    after = followup(session).expire_after
    answered = [checkin.id for checkin in checkins if checkin.state == CheckInState.ANSWERED]
    answers = latest_answers(session, answered)  # only answered ones have answers
    result = []
    for checkin in sorted(checkins, key=lambda row: (row.account.name.lower(), row.id)):
        status = status_of(checkin)
        answer = answers.get(checkin.id)
        result.append(
            CheckinItem(
                checkin_id=checkin.id,
                account_name=checkin.account.name,
                role=checkin.role,
                period_start=checkin.period_start,
                status=status,
                answer=summary(answer) if answer is not None else None,
                remind_at=checkin.due_at if status is ItemStatus.POSTPONED else None,
                expires_at=expires_at(checkin, checkin.account, checkin.person, after),
                closed_at=checkin.closed_at,
            )
        )
    return tuple(result)


def prompt(session: Session, person: Person, checkins: Sequence[CheckIn]) -> CheckinPrompt:
    sent = min((row.sent_at for row in checkins if row.sent_at), default=None)
    day = min(row.due_at for row in checkins) if sent is None else sent
    planned, reason = _moved_off(session, person, checkins)
    return CheckinPrompt(
        user_id=person.slack_user_id or "",
        recipient_name=person.display_name,
        day=local_date(day, zone(person.timezone)),
        items=items(session, checkins),
        planned_day=planned,
        day_off=reason,
    )


def _moved_off(
    session: Session, person: Person, checkins: Sequence[CheckIn]
) -> tuple[date | None, str]:
    """The cadence's own day a check-in here moved from, and why (a holiday's name)."""
    for row in checkins:
        weekday = row.account.checkin_weekday
        planned = row.period_start - timedelta(days=(row.period_start.weekday() - weekday) % 7)
        if planned == row.period_start:
            continue
        settings = session.get(PortfolioSettings, 1)
        default = settings.country if settings is not None else None
        country = country_for(person.country, row.account.country, default, person.timezone)
        if not working_day(planned, country):
            return planned, day_off(planned, country)
    return None, ""


def dm_update(session: Session, checkin: CheckIn) -> DmUpdate | None:
    """The DM holding `checkin`, rebuilt from the current state of everything it lists."""
    if checkin.message_channel is None or checkin.message_ts is None:
        return None
    session.flush()
    siblings = session.scalars(
        select(CheckIn).where(
            CheckIn.person_id == checkin.person_id,
            CheckIn.message_channel == checkin.message_channel,
            CheckIn.message_ts == checkin.message_ts,
        )
    ).all()
    where = Posted(checkin.message_channel, checkin.message_ts)
    return DmUpdate(where, prompt(session, checkin.person, siblings))
