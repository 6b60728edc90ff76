"""Importing every feature registers its due-work kinds, planners and message renderers."""

from __future__ import annotations

import importlib

FEATURES: tuple[str, ...] = (
    "engagement.people",  # first: check-ins are planned in freshly refreshed time zones
    "engagement.checkins.planner",
    "engagement.checkins.delivery",
    "bot.views.checkins",
    "engagement.escalations.alerts",
    "bot.views.escalations",
    "engagement.scoring.digest",
    "engagement.scoring.alerts",
    "bot.views.scorecard",
    "engagement.replays",
)
"""Modules that register into the due-work registry and the renderer table when imported."""


def load() -> None:
    for name in FEATURES:
        importlib.import_module(name)
