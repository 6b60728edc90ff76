"""Escalations: a SAM asks the sponsor for help; Sherpa makes sure it is seen and answered.

The Slack layer calls `service` (raise, acknowledge, resolve, cancel) and `listing`
(what a person may see); `alerts` does the talking through the due-work engine, so every
alert, reminder and update is durable and sent once whatever restarts or processes run.
"""

from __future__ import annotations

from engagement.duework.registry import Registry
from engagement.escalations import alerts


def register(registry: Registry) -> None:
    """Escalations' due work (`alerts`): the announcement and each sponsor's DM, the
    critical path, the re-alert and reminders at the deadline, the path at twice the
    deadline, and updating every message after a change."""
    registry.kind(alerts.ANNOUNCE, alerts.announce)
    registry.kind(alerts.REQUEST, alerts.request)
    registry.kind(alerts.CRITICAL, alerts.critical)
    registry.kind(alerts.REALERT, alerts.realert)
    registry.kind(alerts.REMIND, alerts.remind)
    registry.kind(alerts.PATH, alerts.path)
    registry.kind(alerts.REFRESH, alerts.refresh)
