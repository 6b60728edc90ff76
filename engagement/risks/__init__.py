"""Strategic risks (seed 002's Table 2): each account's register, logged from Slack or the
portfolio file, listed by score. A risk reaching a high score is told once (`alerts`);
its owner is asked on each review date whether it still stands (`review_dates`)."""

from __future__ import annotations

from engagement.duework.registry import Registry
from engagement.risks import alerts, review_dates


def register(registry: Registry) -> None:
    """The risk register's due work: the one alert when a risk first scores high, and
    the owner's DM on each review date."""
    registry.kind(alerts.HIGH, alerts.alert_high)
    registry.kind(review_dates.ASK, review_dates.ask_owner)
    registry.planner("risks.plan", review_dates.plan_risk_reviews)
