"""A risk as people read it, in a list, a reply or an alert."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engagement.models import Risk


@dataclass(frozen=True)
class RiskLine:
    """One risk as a list or a reply shows it."""

    account: str
    code: str
    description: str
    category: str
    probability: int
    impact: int
    score: int
    state: str
    mitigation: str
    owner: str | None
    """The owner's Slack user ID, when known."""
    review_on: date | None

    @classmethod
    def of(cls, risk: Risk, owner: str | None) -> RiskLine:
        return cls(
            account=risk.account.name,
            code=risk.code,
            description=risk.description,
            category=risk.category,
            probability=risk.probability,
            impact=risk.impact,
            score=risk.score,
            state=risk.state,
            mitigation=risk.mitigation,
            owner=owner,
            review_on=risk.review_on,
        )
