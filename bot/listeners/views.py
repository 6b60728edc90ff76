"""Modal submissions: the handler's work is committed before the ack closes the modal.

A handler returns the ack payload (`response_action: errors` for bad fields) or None.
A refusal (not allowed, not found…) closes the modal and tells the person why.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import handlers
from bot.handlers import ViewHandler
from bot.request import SlackRequest
from bot.runtime import Runtime
from engagement.errors import SherpaError


def _listener(runtime: Runtime, handler: ViewHandler) -> Any:
    def listener(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        request = SlackRequest.from_body(runtime, body)
        try:
            answer = handler(request, view)
        except SherpaError as refusal:
            ack()
            request.reply(str(refusal))
            return
        ack(**answer) if answer else ack()

    return listener


def register(app: App, runtime: Runtime) -> None:
    for callback_id, handler in handlers.views().items():
        app.view(callback_id)(_listener(runtime, handler))
