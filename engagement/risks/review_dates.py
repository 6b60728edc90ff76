"""On a risk's review date its owner is asked, by DM at 09:00 their time, whether it is
still right: *Still right*, *Update…* or *Close…* (`bot/handlers/risks.py`).

The hourly planner queues the DM a day ahead; the key names the review date, so each date
is asked once, and a risk reviewed or closed before then is not asked about.
"""

from __future__ import annotations

import logging
from datetime import time, timedelta
from typing import Literal

from sqlalchemy import select

from engagement.checkins.schedule import to_utc, zone
from engagement.duework import streams
from engagement.duework.queue import schedule
from engagement.duework.registry import WorkContext
from engagement.models import Person, Risk, RiskState
from engagement.notify import Message
from engagement.risks.lines import RiskLine
from engagement.risks.service import line_of

log = logging.getLogger(__name__)

ASK = "risks.review"
AT = time(9, 0)


class RiskReviewRequest(Message):
    """The owner's DM on the review date, with the risk as it stands and three buttons."""

    risk_id: int
    risk: RiskLine


class RiskReviewed(Message):
    """The review DM once answered: the risk as it now stands and what was decided."""

    risk: RiskLine
    outcome: Literal["still right", "updated", "closed"]


def plan_risk_reviews(context: WorkContext) -> int:
    """Queue the owners' DMs for the risks whose review date is tomorrow, today or past
    (a date missed while Sherpa was not running is asked about at once)."""
    session, today = context.session, context.now.date()
    rows = session.execute(
        select(Risk, Person)
        .join(Person, Person.id == Risk.owner_id)
        .where(
            Risk.state != RiskState.CLOSED,
            Risk.review_on <= today + timedelta(days=1),  # and any review date missed
        )
    ).all()
    created = 0
    for risk, owner in rows:
        assert risk.review_on is not None  # selected by its review date
        created += schedule(
            session,
            kind=ASK,
            key=f"{ASK}:{risk.id}:{risk.review_on}",
            due_at=max(to_utc(risk.review_on, AT, zone(owner.timezone)), context.now),
            payload={"risk_id": risk.id, "review_on": risk.review_on.isoformat()},
            stream=streams.person(owner.id),
        )
    return created


def ask_owner(context: WorkContext) -> None:
    """DM the owner, unless the risk was reviewed, closed or handed over since."""
    risk = context.session.get(Risk, int(context.payload["risk_id"]))
    if risk is None or risk.state == RiskState.CLOSED or risk.owner_id is None:
        return
    if risk.review_on is None or risk.review_on.isoformat() != context.payload["review_on"]:
        return
    owner = context.session.get_one(Person, risk.owner_id)
    if owner.slack_user_id is None:
        return
    line = line_of(context.session, risk)
    context.notifier.post(owner.slack_user_id, RiskReviewRequest(risk_id=risk.id, risk=line))
    log.info("risk.review_asked risk=%d code=%s owner=%d", risk.id, risk.code, owner.id)
