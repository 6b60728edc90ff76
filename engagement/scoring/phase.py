"""The sponsor's latest answer to their account phase's question (seed 002), for the card."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engagement.checkins.items import is_latest_revision
from engagement.models import Answer, CheckIn, Role
from engagement.scoring.messages import PhaseAnswer

_ANSWERS = (
    select(CheckIn.account_id, CheckIn.period_start, Answer.phase, Answer.phase_check)
    .join(Answer, Answer.checkin_id == CheckIn.id)
    .where(
        CheckIn.account_id.in_(bindparam("ids", expanding=True)),
        CheckIn.role == Role.SPONSOR,
        Answer.phase.is_not(None),
        Answer.phase_check.is_not(None),
        is_latest_revision(),
    )
    .order_by(CheckIn.period_start.desc(), Answer.submitted_at.desc())
)
"""Built once: every account card reads it."""


def latest_phase_answers(session: Session, account_ids: Sequence[int]) -> dict[int, PhaseAnswer]:
    """Per account, the phase question's answer of its latest period that has one: the
    latest revision of a sponsor's check-in (one query)."""
    if not account_ids:
        return {}
    rows = session.execute(_ANSWERS, {"ids": list(account_ids)})
    found: dict[int, PhaseAnswer] = {}
    for account_id, period, phase, check in rows:
        if account_id not in found:
            found[account_id] = PhaseAnswer(phase=phase, check=check, period_start=period)
    return found
