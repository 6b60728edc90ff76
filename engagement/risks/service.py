"""The risk register: logging a risk, moving it along, reading it back by score.

Who may: an account's sponsors, its SAM and admins log and change its risks; only its
members (and admins) see them. Every change writes a `RiskEvent`, and one from Slack an
audit entry too. The caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from engagement import audit
from engagement.access import Actor, account_for, require_role, visible_account, visible_accounts
from engagement.dates import months_after
from engagement.models import Account, Person, Risk, RiskEvent, RiskState, Role, Sponsorship
from engagement.risks.alerts import watch
from engagement.risks.lines import RiskLine
from engagement.risks.rules import RiskInput

log = logging.getLogger(__name__)

REVIEW_MONTHS = 3
"""Months until a risk's next review, unless a date is given: a quarter, as the
strategic reviews where risks are discussed."""


def first_sponsor(session: Session, account_id: int) -> int | None:
    """The account's longest-serving current sponsor: a risk's owner unless named."""
    return session.scalar(
        select(Sponsorship.person_id)
        .where(
            Sponsorship.account_id == account_id,
            Sponsorship.role == Role.SPONSOR,
            Sponsorship.ended_at.is_(None),
        )
        .order_by(Sponsorship.started_at, Sponsorship.id)
        .limit(1)
    )


def add_risk(
    session: Session,
    account: Account,
    fields: RiskInput,
    *,
    by: int | None,
    now: datetime,
    number: int | None = None,
    state: RiskState = RiskState.OPEN,
) -> Risk:
    """A new risk in the account's register, numbered next unless `number` is given."""
    if number is None:
        highest = session.scalar(select(func.max(Risk.number)).where(Risk.account_id == account.id))
        number = (highest or 0) + 1
    risk = Risk(
        account_id=account.id,
        number=number,
        description=fields.description,
        category=fields.category,
        probability=fields.probability,
        impact=fields.impact,
        mitigation=fields.mitigation,
        owner_id=first_sponsor(session, account.id),
        review_on=fields.review_on or months_after(now.date(), REVIEW_MONTHS),
        state=state,
        created_at=now,
    )
    risk.account = account
    session.add(risk)
    session.flush()
    record(session, risk, by=by, now=now, note="logged")
    return risk


def risk_fields(risk: Risk) -> dict[str, object]:
    """What the audit log keeps of a risk."""
    return {
        "description": risk.description,
        "category": risk.category,
        "probability": risk.probability,
        "impact": risk.impact,
        "mitigation": risk.mitigation,
        "state": risk.state,
        "review_on": risk.review_on,
    }


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    risk: Risk,
    before: dict[str, object] | None,
    now: datetime,
    **extra: object,
) -> None:
    """A change from Slack in the audit log: the fields it changed (all, for a new risk)."""
    after = {**risk_fields(risk), **extra}
    if before is not None:
        before, after = audit.changed(before, after)
    subject = audit.risk_subject(risk.account.name, risk.code)
    audit.record(
        session,
        actor=actor.user_id,
        action=action,
        subject=subject,
        before=before,
        after=after,
        at=now,
    )


def record(session: Session, risk: Risk, *, by: int | None, now: datetime, note: str) -> None:
    """The risk as it now stands, in its history; told once if it now scores high."""
    watch(session, risk, now)
    session.add(
        RiskEvent(
            risk_id=risk.id,
            person_id=by,
            state=risk.state,
            probability=risk.probability,
            impact=risk.impact,
            note=note,
            at=now,
        )
    )


def log_risk(
    session: Session,
    *,
    actor: Actor,
    fields: RiskInput,
    now: datetime,
    account: str | None = None,
    account_id: int | None = None,
) -> RiskLine:
    """Log a risk for an account named in a command, or chosen (by ID) in the modal."""
    if account is not None:
        target = account_for(session, actor, account, Role.SPONSOR, Role.SAM)
    else:
        target = visible_account(session, actor, account_id or -1)
        require_role(session, actor, target, Role.SPONSOR, Role.SAM)
    risk = add_risk(session, target, fields, by=actor.person_id, now=now)
    _audit(session, actor, "risk.added", risk, None, now)
    log.info(
        "risk.logged account=%d risk=%s score=%d by=%s",
        target.id,
        risk.code,
        risk.score,
        actor.user_id,
    )
    return line_of(session, risk)


def loggable_accounts(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """The accounts the person may log a risk for: as sponsor or SAM (admins: all)."""
    accounts = visible_accounts(session, actor, Role.SPONSOR, Role.SAM)
    return [(account.id, account.name) for account in accounts]


def list_risks(
    session: Session, *, actor: Actor, account: str | None = None
) -> tuple[list[str], list[RiskLine]]:
    """The open and mitigating risks of one account or of all the person's accounts, by
    score (highest first), with the names of the accounts looked at."""
    accounts = (
        [account_for(session, actor, account)]
        if account is not None
        else visible_accounts(session, actor)
    )
    return [item.name for item in accounts], open_risks(session, [item.id for item in accounts])


_OPEN = (
    select(Risk, Person.slack_user_id)
    .outerjoin(Person, Person.id == Risk.owner_id)
    .where(Risk.account_id.in_(bindparam("ids", expanding=True)), Risk.state != RiskState.CLOSED)
    .order_by(Risk.score.desc(), Risk.account_id, Risk.number)
)
"""Built once: every account card reads it."""


def open_risks(session: Session, account_ids: Sequence[int]) -> list[RiskLine]:
    """The risks not closed, of these accounts, highest score first."""
    rows = session.execute(_OPEN, {"ids": list(account_ids)}).all()
    return [RiskLine.of(risk, owner) for risk, owner in rows]


def _owner(session: Session, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    return session.get_one(Person, person_id).slack_user_id


def line_of(session: Session, risk: Risk) -> RiskLine:
    return RiskLine.of(risk, _owner(session, risk.owner_id))


def editable_risk(session: Session, actor: Actor, risk_id: int) -> Risk:
    """A risk the person may change: of an account they are a sponsor or SAM of (or an
    admin); anyone else hears what they would of an account that does not exist."""
    risk = session.get(Risk, risk_id)
    account = visible_account(session, actor, risk.account_id if risk else -1)
    require_role(session, actor, account, Role.SPONSOR, Role.SAM)
    assert risk is not None  # visible_account found its account
    return risk


def reassess(
    session: Session,
    *,
    actor: Actor,
    risk_id: int,
    fields: RiskInput,
    state: RiskState,
    now: datetime,
) -> RiskLine:
    """A risk re-assessed at its review: new figures, mitigation and state, and the next
    review a quarter on (or on the date given)."""
    risk = editable_risk(session, actor, risk_id)
    before = risk_fields(risk)
    risk.probability, risk.impact = fields.probability, fields.impact
    risk.mitigation, risk.state = fields.mitigation, state
    risk.review_on = fields.review_on or months_after(now.date(), REVIEW_MONTHS)
    record(session, risk, by=actor.person_id, now=now, note="re-assessed")
    _audit(session, actor, "risk.reassessed", risk, before, now)
    return line_of(session, risk)


def still_right(session: Session, *, actor: Actor, risk_id: int, now: datetime) -> RiskLine:
    """Reviewed, nothing changed: the next review a quarter on."""
    risk = editable_risk(session, actor, risk_id)
    before = risk_fields(risk)
    risk.review_on = months_after(now.date(), REVIEW_MONTHS)
    record(session, risk, by=actor.person_id, now=now, note="reviewed: still right")
    _audit(session, actor, "risk.reviewed", risk, before, now)
    return line_of(session, risk)


def close(session: Session, *, actor: Actor, risk_id: int, note: str, now: datetime) -> RiskLine:
    """Closed, with why (checked by `rules.read_closing_note`)."""
    risk = editable_risk(session, actor, risk_id)
    if risk.state != RiskState.CLOSED:
        before = risk_fields(risk)
        risk.state, risk.review_on = RiskState.CLOSED, None
        record(session, risk, by=actor.person_id, now=now, note=note)
        _audit(session, actor, "risk.closed", risk, before, now, note=note)
    return line_of(session, risk)
