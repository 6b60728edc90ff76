"""Check-ins: planned on each account's cadence, sent as one DM per person per day,
answered in a modal, nudged once, expired after a week; introduced before the first.

Modules: `schedule` (pure date maths), `planner` (hourly planning), `sends` (send rows),
`delivery` (send / nudge / expire handlers), `reminders` (the reminder kept true),
`form` (the answer form), `answers` (modal data and recording), `responses` (skip, remind
tomorrow), `pausing`, `advocacy`, `home` (App Home data), `messages` and `items` (plain
data for Slack).
"""

from __future__ import annotations

from engagement.checkins import delivery, introduction, planner, reminders, sends
from engagement.duework.registry import Registry


def register(registry: Registry) -> None:
    """Check-ins' due work: planned hourly; each person's DM sent, nudged once (the
    reminder kept true), expired."""
    registry.planner("checkins.plan", planner.plan)
    registry.kind(sends.SEND, delivery.send)
    registry.kind(sends.NUDGE, delivery.nudge)
    registry.kind(sends.EXPIRE, delivery.expire)
    registry.kind(reminders.REFRESH, reminders.refresh_reminder)
    registry.kind(introduction.INTRODUCE, introduction.introduce)
