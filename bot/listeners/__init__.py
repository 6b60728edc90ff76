"""Bolt listeners, one module per kind; `register_listeners` wires them all to the features'
surfaces (`bot.surfaces`)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, errors, events, shortcuts, views
from bot.runtime import Runtime
from bot.surfaces import Surfaces


def register_listeners(app: App, runtime: Runtime, surfaces: Surfaces) -> None:
    for kind in (errors, commands, actions, views, shortcuts, events):
        kind.register(app, runtime, surfaces)
