"""Importing every feature registers its due-work kinds, planners and message renderers."""

from __future__ import annotations

import importlib

FEATURES: tuple[str, ...] = (
    "engagement.people",
    "engagement.scoring.digest",
    "engagement.scoring.alerts",
    "bot.views.scorecard",
)
"""Modules that register into the due-work registry and the renderer table when imported."""


def load() -> None:
    for name in FEATURES:
        importlib.import_module(name)
