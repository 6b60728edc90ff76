"""What the account card takes from the sponsorships: the sponsors over time (seed 001)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engagement.models import Person, Role, Sponsorship
from engagement.scoring.messages import ScorecardCard, SponsorTerm

_SPONSORS = (
    select(Sponsorship.account_id, Person.slack_user_id, Person.display_name,
           Sponsorship.started_at, Sponsorship.ended_at)
    .join(Person, Person.id == Sponsorship.person_id)
    .where(Sponsorship.account_id.in_(bindparam("ids", expanding=True)),
           Sponsorship.role == Role.SPONSOR)
    .order_by(Sponsorship.started_at, Sponsorship.id)
)  # fmt: skip
"""Built once: every account card reads it."""


def cards_with_sponsors(
    session: Session, cards: Sequence[ScorecardCard], *, can_rotate: bool
) -> list[ScorecardCard]:
    """The cards with each account's sponsors, earliest first (one query however many)."""
    ids = [item.summary.account_id for item in cards]
    terms: dict[int, list[SponsorTerm]] = {account_id: [] for account_id in ids}
    rows = session.execute(_SPONSORS, {"ids": ids})
    for account_id, user_id, name, started, ended in rows:
        terms[account_id].append(
            SponsorTerm(
                user_id=user_id,
                name=name,
                started=started.date(),
                ended=ended.date() if ended else None,
            )
        )
    return [
        item.model_copy(
            update={"sponsors": terms[item.summary.account_id], "can_rotate": can_rotate}
        )
        for item in cards
    ]
