"""Strategic risks (seed 002's Table 2): each account's register, logged from Slack or the
portfolio file, listed by score; a risk reaching a high score is told once (`alerts`)."""

from __future__ import annotations

from engagement.duework.registry import Registry
from engagement.risks import alerts


def register(registry: Registry) -> None:
    """The risk register's due work: the one alert when a risk first scores high."""
    registry.kind(alerts.HIGH, alerts.alert_high)
