"""Button clicks and selections: ack at once, then the feature's handler."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot import handlers
from bot.handlers import ActionHandler
from bot.listeners.errors import after_ack
from bot.request import SlackRequest
from bot.runtime import Runtime


def _listener(runtime: Runtime, handler: ActionHandler) -> Any:
    def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        request = SlackRequest.from_body(runtime, body, respond)
        after_ack(runtime, body, respond, lambda: handler(request, action))

    return listener


def register(app: App, runtime: Runtime) -> None:
    for action_id, handler in handlers.actions().items():
        app.action(action_id)(_listener(runtime, handler))
