"""Strategic reviews (seed 002): each account's review cadence by its governance, the
reviews recorded as held, and the sponsor's reminder two weeks before the next is due."""

from __future__ import annotations

from engagement.duework.registry import Registry
from engagement.reviews import reminders


def register(registry: Registry) -> None:
    """The reminders: planned hourly, each sent once per due date."""
    registry.kind(reminders.REMIND, reminders.remind)
    registry.planner("reviews.plan", reminders.plan_reminders)
