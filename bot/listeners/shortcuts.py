"""Message shortcuts: ack at once, then the feature's handler (which opens a modal)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot import handlers
from bot.handlers import ShortcutHandler
from bot.listeners.errors import after_ack
from bot.request import SlackRequest
from bot.runtime import Runtime


def _listener(runtime: Runtime, handler: ShortcutHandler) -> Any:
    def listener(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        request = SlackRequest.from_body(runtime, body, respond)
        after_ack(runtime, body, respond, lambda: handler(request, body))

    return listener


def register(app: App, runtime: Runtime) -> None:
    for callback_id, handler in handlers.shortcuts().items():
        app.shortcut(callback_id)(_listener(runtime, handler))
