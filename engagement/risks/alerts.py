"""A risk reaching a high score is told once, in the account's channel.

The due-work key names the risk alone, so the alert goes out the first time its score
reaches `HIGH_SCORE` (when logged, re-assessed or imported) and never again, even if it
falls and rises back: the register shows where it stands.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from engagement.duework import streams
from engagement.duework.queue import schedule
from engagement.duework.registry import WorkContext
from engagement.models import Person, Risk, RiskState
from engagement.notify import Message
from engagement.risks.lines import RiskLine
from engagement.risks.rules import HIGH_SCORE

log = logging.getLogger(__name__)

HIGH = "risks.high"


class HighRiskAlert(Message):
    """To the account's channel: a risk now scores high; the owner's next step."""

    risk: RiskLine


def watch(session: Session, risk: Risk, now: datetime) -> None:
    """Queue the high-risk alert if the risk now scores high (once per risk, ever)."""
    if risk.score >= HIGH_SCORE and risk.state != RiskState.CLOSED:
        schedule(
            session,
            kind=HIGH,
            key=f"{HIGH}:{risk.id}",
            due_at=now,
            payload={"risk_id": risk.id},
            stream=streams.channel(risk.account.channel or risk.account.digest_channel),
        )


def alert_high(context: WorkContext) -> None:
    """Post the alert, unless the risk was closed or lowered before it went out."""
    risk = context.session.get(Risk, int(context.payload["risk_id"]))
    if risk is None or risk.state == RiskState.CLOSED or risk.score < HIGH_SCORE:
        return
    owner = context.session.get(Person, risk.owner_id) if risk.owner_id else None
    where = risk.account.channel or risk.account.digest_channel
    context.notifier.post(
        where, HighRiskAlert(risk=RiskLine.of(risk, owner.slack_user_id if owner else None))
    )
    log.info(
        "risk.high_alerted account=%d risk=%s score=%d", risk.account_id, risk.code, risk.score
    )
