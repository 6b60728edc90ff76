"""Role balance as seed 000 means it: a sponsor who took over from the SAM ("boss mode")
or stepped back, read from the direction each check-in answer gives beside its rating.

A check-in's latest answer counts for the week of its period. The alert fires for the
account's last completed week when an answer says so and none did the week before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, func, select, tuple_
from sqlalchemy.orm import Session

from engagement.checkins.items import is_latest_revision
from engagement.models import AdvocacyAction, Answer, CheckIn, RoleDirection
from engagement.scoring import weeks
from engagement.scoring.alert_posts import Found
from engagement.scoring.evaluate import AccountScores
from engagement.scoring.messages import (
    AlertCondition,
    IndicatorAlert,
    RoleBalance,
    RoleBalanceShift,
)

Said = dict[tuple[int, int], dict[str, set[str]]]
"""{(account ID, week): {direction: {roles that said it}}}"""


WINDOW = 4
"""The role balance on the card and the digest counts the weeks of this many, this one
included, in which an answer said the sponsor took over or stepped back."""

BOSS_MODE_WEEKS = 4
"""An advocacy action is boss mode's signal, not a highlight, while its author said they
took over within this many weeks."""


def boss_mode_action(now: datetime) -> ColumnElement[bool]:
    """True for an advocacy action whose author answered, on the same account in the last
    BOSS_MODE_WEEKS weeks, that they took over from the SAM. The few who did are found
    once (by the answers' time), not looked for among each action's author's check-ins."""
    took_over = (
        select(CheckIn.account_id, CheckIn.person_id)
        .join(Answer, Answer.checkin_id == CheckIn.id)
        .where(
            Answer.role_direction == RoleDirection.TOOK_OVER,
            Answer.submitted_at > now - timedelta(weeks=BOSS_MODE_WEEKS),
            Answer.submitted_at <= now,
        )
    )
    return tuple_(AdvocacyAction.account_id, AdvocacyAction.person_id).in_(took_over)


def directions(session: Session, account_ids: list[int], first_week: int) -> Said:
    """The directions the latest answers gave, per account and week, since `first_week`."""
    if not account_ids:
        return {}
    latest = (
        select(Answer.checkin_id, func.max(Answer.revision).label("revision"))
        .group_by(Answer.checkin_id)
        .subquery()
    )
    rows = session.execute(
        select(CheckIn.account_id, CheckIn.period_start, CheckIn.role, Answer.role_direction)
        .join(Answer, Answer.checkin_id == CheckIn.id)
        .join(
            latest,
            (latest.c.checkin_id == Answer.checkin_id) & (latest.c.revision == Answer.revision),
        )
        .where(
            CheckIn.account_id.in_(account_ids),
            CheckIn.period_start >= weeks.monday(first_week),
            Answer.role_direction.in_([RoleDirection.TOOK_OVER, RoleDirection.STEPPED_BACK]),
        )
    )
    said: Said = defaultdict(lambda: defaultdict(set))
    for account_id, period, role, direction in rows:
        said[account_id, weeks.week_of(period)][str(direction)].add(str(role))
    return said


_BALANCES = (
    select(CheckIn.account_id, Answer.role_direction, CheckIn.period_start)
    .join(Answer, Answer.checkin_id == CheckIn.id)
    .where(
        CheckIn.account_id.in_(bindparam("ids", expanding=True)),
        CheckIn.period_start >= bindparam("first"),
        CheckIn.period_start < bindparam("end"),
        Answer.role_direction.is_not(None),
        is_latest_revision(),
    )
    .group_by(CheckIn.account_id, Answer.role_direction, CheckIn.period_start)
)
"""Built once: every card and digest reads it."""


def balances(session: Session, account_ids: Sequence[int], week: int) -> dict[int, RoleBalance]:
    """Each account's role balance over the WINDOW weeks up to `week`, from the latest
    answer of each check-in (one query, grouped by account, direction and period)."""
    if not account_ids:
        return {}
    rows = session.execute(_BALANCES, {
        "ids": list(account_ids),
        "first": weeks.monday(week - WINDOW + 1),
        "end": weeks.monday(week + 1),
    })  # fmt: skip
    said: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for account_id, direction, period in rows:
        said[account_id][str(direction)].add(weeks.week_of(period))
    return {
        account_id: RoleBalance(
            took_over=len(by[RoleDirection.TOOK_OVER]),
            stepped_back=len(by[RoleDirection.STEPPED_BACK]),
            answered=len(set().union(*by.values())),
            weeks=WINDOW,
        )
        for account_id, by in said.items()
    }


def role_balance(session: Session, scored: list[AccountScores]) -> list[Found]:
    """The sponsor took over (or stepped back) in the completed week, and not the week before."""
    if not scored:
        return []
    first = min(scores.timeline.current for scores in scored) - 2
    said = directions(session, [scores.account.id for scores in scored], first)
    found = []
    for scores in scored:
        account, week = scores.account, scores.timeline.current - 1
        now, before = said.get((account.id, week), {}), said.get((account.id, week - 1), {})
        for direction in (RoleDirection.TOOK_OVER, RoleDirection.STEPPED_BACK):
            roles = now.get(str(direction))
            if not roles or before.get(str(direction)):
                continue
            label = weeks.label(week)
            facts = RoleBalanceShift(direction=str(direction), roles=sorted(roles))
            alert = IndicatorAlert(
                account_id=account.id,
                account_name=account.name,
                condition=AlertCondition.ROLE_BALANCE,
                iso_week=label,
                facts=facts,
                sam_user_id=account.sam_user_id,
            )
            key = f"{AlertCondition.ROLE_BALANCE}:{account.id}:{label}:{direction}"
            found.append(Found(key, alert, account.channel))
    return found
