"""How often an account's strategic review falls due (seed 002), and when the next one is.

Direct governance: a monthly sponsor–SAM review; a steering committee: quarterly; three
tiers: a quarterly executive steering committee. The portfolio may set another interval
per account. For a direct account's sponsor–SAM review, a check-in answer saying an
alignment meeting was held counts as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from engagement.clock import utcnow
from engagement.dates import months_after
from engagement.models import Account, Answer, CheckIn, Governance, Review

MONTHS = {
    Governance.DIRECT: 1,
    Governance.STEERING_COMMITTEE: 3,
    Governance.THREE_TIER: 3,
}
NAMES = {
    Governance.DIRECT: "sponsor–SAM review",
    Governance.STEERING_COMMITTEE: "steering committee",
    Governance.THREE_TIER: "executive steering committee",
}
EVERY = {1: "monthly", 3: "quarterly", 6: "semi-annual", 12: "annual"}
"""The intervals, in months, that the portfolio file may name (`review_every`)."""


@dataclass(frozen=True)
class ReviewDue:
    """Where an account stands with its strategic review."""

    account_id: int
    account: str
    name: str
    """"quarterly steering committee"."""
    months: int
    last_held: date | None
    next_due: date

    def overdue(self, today: date) -> bool:
        return self.next_due < today


def _sponsor_and_sam(account: Account) -> bool:
    """A direct account's review is the sponsor and SAM meeting: a check-in's alignment
    meeting is one."""
    return account.governance == Governance.DIRECT


def interval(account: Account) -> int:
    return account.review_months or MONTHS[Governance(account.governance)]


_REVIEWS = (
    select(Review.account_id, func.max(Review.held_on))
    .where(Review.account_id.in_(bindparam("ids", expanding=True)))
    .group_by(Review.account_id)
)
_MEETINGS = (
    select(CheckIn.account_id, func.max(Answer.submitted_at))
    .join(CheckIn, CheckIn.id == Answer.checkin_id)
    .where(Answer.alignment_meeting_held.is_(True))
    .group_by(CheckIn.account_id)
)
_ACCOUNTS_MEETINGS = _MEETINGS.where(CheckIn.account_id.in_(bindparam("ids", expanding=True)))
_RECENT_MEETINGS = _MEETINGS.where(Answer.submitted_at >= bindparam("since"))
"""Built once: every card and digest reads them."""

MANY = 100
"""Accounts from which the portfolio's recent meetings are read first (`meetings`)."""
RECENT = timedelta(days=35)
"""How far back they are: the shortest review interval, a month, and a week."""


def meetings(session: Session, ids: Sequence[int]) -> dict[int, datetime]:
    """Each account's latest alignment meeting reported in a check-in.

    For many accounts, the whole portfolio's of the last RECENT first: a few weeks of
    answers, found by time, instead of every account's every check-in. Any account's latest
    since then is among them, so only the accounts without one are read in full."""
    found: dict[int, datetime] = {}
    rest = list(ids)
    if len(rest) > MANY:
        wanted = set(rest)
        recent = session.execute(_RECENT_MEETINGS, {"since": utcnow() - RECENT})
        found = {account_id: at for account_id, at in recent if account_id in wanted}
        rest = [account_id for account_id in rest if account_id not in found]
    if rest:
        found.update(session.execute(_ACCOUNTS_MEETINGS, {"ids": rest}).all())
    return found


def last_held(session: Session, accounts: Sequence[Account]) -> dict[int, date]:
    """Each account's last review recorded; for a direct one, a check-in's alignment
    meeting too. Two to three queries, however many accounts."""
    ids = [account.id for account in accounts]
    held: dict[int, date] = dict(session.execute(_REVIEWS, {"ids": ids}).all())
    direct = [account.id for account in accounts if _sponsor_and_sam(account)]
    for account_id, at in meetings(session, direct).items():
        if account_id not in held or at.date() > held[account_id]:
            held[account_id] = at.date()
    return held


def review_dues(session: Session, accounts: Sequence[Account]) -> list[ReviewDue]:
    """Where each account stands with its review, in the order given."""
    held = last_held(session, accounts)
    return [_due(account, held.get(account.id)) for account in accounts]


def _due(account: Account, held: date | None) -> ReviewDue:
    months = interval(account)
    every = EVERY[months]
    return ReviewDue(
        account_id=account.id,
        account=account.name,
        name=f"{every} {NAMES[Governance(account.governance)]}",
        months=months,
        last_held=held,
        next_due=months_after(held or account.created_at.date(), months),
    )
