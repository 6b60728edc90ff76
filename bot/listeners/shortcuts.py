"""Message shortcuts: ack at once, then the feature's handler (which opens a modal)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.listeners.errors import after_ack
from bot.request import SlackRequest
from bot.runtime import Runtime
from bot.surfaces import Surfaces, any_of


def register(app: App, runtime: Runtime, surfaces: Surfaces) -> None:
    table = surfaces.shortcuts

    @app.shortcut(any_of(table))
    def listener(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        handler = table[body["callback_id"]]
        request = SlackRequest.from_body(runtime, body)
        after_ack(runtime, body, lambda: handler(request, body))
