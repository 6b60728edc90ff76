"""What the digest and the card take from the risk register and the review cadence: each
account's high risks and whether its strategic review is overdue (seed 002), and for the
card the open risks themselves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engagement.models import Account, Risk, RiskState
from engagement.reviews.cadence import review_dues
from engagement.risks.lines import RiskLine
from engagement.risks.rules import HIGH_SCORE
from engagement.risks.service import open_risks
from engagement.scoring.messages import AccountSummary, ScorecardCard


def with_strategic(
    session: Session, summaries: Sequence[AccountSummary], today: date
) -> list[AccountSummary]:
    """The summaries with their accounts' open high risks and overdue reviews (two queries
    and the review cadence's two, however many accounts)."""
    ids = [item.account_id for item in summaries]
    high = {
        account_id: count
        for account_id, count in session.execute(
            select(Risk.account_id, func.count())
            .where(
                Risk.account_id.in_(ids),
                Risk.state != RiskState.CLOSED,
                Risk.score >= HIGH_SCORE,
            )
            .group_by(Risk.account_id)
        )
    }
    accounts = session.scalars(select(Account).where(Account.id.in_(ids))).all()
    overdue = {due.account_id for due in review_dues(session, accounts) if due.overdue(today)}
    return [
        item.model_copy(
            update={
                "high_risks": high.get(item.account_id, 0),
                "review_overdue": item.account_id in overdue,
            }
        )
        for item in summaries
    ]


def cards_with_strategic(
    session: Session, cards: Sequence[ScorecardCard], today: date
) -> list[ScorecardCard]:
    summaries = with_strategic(session, [card.summary for card in cards], today)
    return [
        card.model_copy(update={"summary": s}) for card, s in zip(cards, summaries, strict=True)
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
