"""What the digest and the card take from the risk register and the review cadence: each
account's high risks and whether its strategic review is overdue (seed 002), and for the
card the open risks themselves; and from the check-ins' answers, its role balance (seed
000); and its phase and governance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from engagement.models import Account, Risk, RiskState
from engagement.reviews.cadence import review_dues
from engagement.risks.lines import RiskLine
from engagement.risks.rules import HIGH_SCORE
from engagement.risks.service import open_risks
from engagement.scoring import weeks
from engagement.scoring.messages import AccountSummary, ScorecardCard
from engagement.scoring.phase import latest_phase_answers
from engagement.scoring.role_balance import balances

_HIGH_RISKS = (
    select(Risk.account_id, func.count())
    .where(
        Risk.account_id.in_(bindparam("ids", expanding=True)),
        Risk.state != RiskState.CLOSED,
        Risk.score >= HIGH_SCORE,
    )
    .group_by(Risk.account_id)
)
_ACCOUNTS = select(Account).where(Account.id.in_(bindparam("ids", expanding=True)))
"""Built once: every card and digest reads them."""


def with_strategic(
    session: Session, summaries: Sequence[AccountSummary], today: date
) -> list[AccountSummary]:
    """The summaries with their accounts' open high risks, overdue reviews, role balance over
    the weeks up to `today`'s, phase and governance (three queries and the review
    cadence's two, however many accounts)."""
    ids = [item.account_id for item in summaries]
    high = dict(session.execute(_HIGH_RISKS, {"ids": ids}).all())
    accounts = session.scalars(_ACCOUNTS, {"ids": ids}).all()
    overdue = {due.account_id for due in review_dues(session, accounts) if due.overdue(today)}
    balance = balances(session, ids, weeks.week_of(today))
    stage = {account.id: (account.phase, account.governance) for account in accounts}
    return [
        item.model_copy(
            update={
                "high_risks": high.get(item.account_id, 0),
                "review_overdue": item.account_id in overdue,
                "role_balance": balance.get(item.account_id, item.role_balance),
                "phase": stage[item.account_id][0],
                "governance": stage[item.account_id][1],
            }
        )
        for item in summaries
    ]


def cards_with_strategic(
    session: Session, cards: Sequence[ScorecardCard], today: date
) -> list[ScorecardCard]:
    summaries = with_strategic(session, [card.summary for card in cards], today)
    answers = latest_phase_answers(session, [card.summary.account_id for card in cards])
    return [
        card.model_copy(update={"summary": s, "phase_answer": answers.get(s.account_id)})
        for card, s in zip(cards, summaries, strict=True)
    ]


CARD_RISKS = 5
"""Open risks listed on an account's card; the rest are counted."""


def cards_with_risks(session: Session, cards: Sequence[ScorecardCard]) -> list[ScorecardCard]:
    """The cards with their accounts' open risks, highest score first (one query). Only
    for readers who may see them: the accounts' members and admins."""
    found: dict[str, list[RiskLine]] = {card.summary.name: [] for card in cards}
    for line in open_risks(session, [card.summary.account_id for card in cards]):
        found[line.account].append(line)
    return [
        card.model_copy(
            update={
                "risks": found[card.summary.name][:CARD_RISKS],
                "risks_open": len(found[card.summary.name]),
            }
        )
        for card in cards
    ]
