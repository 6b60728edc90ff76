"""Modal submissions: the handler's work is committed before the ack closes the modal.

A handler returns the ack payload (`response_action: errors` for bad fields) or None.
A refusal (not allowed, not found…) closes the modal and tells the person why.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.listeners.errors import after_ack
from bot.request import SlackRequest
from bot.runtime import Runtime
from bot.surfaces import Surfaces, any_of
from bot.views.kit import said
from engagement.errors import SherpaError


def register(app: App, runtime: Runtime, surfaces: Surfaces) -> None:
    table = surfaces.views

    @app.view(any_of(table))
    def listener(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        handler = table[view["callback_id"]]
        request = SlackRequest.from_body(runtime, body)
        try:
            answer = handler(request, view)
        except SherpaError as refusal:
            ack()
            told = said(refusal.line)
            after_ack(runtime, body, lambda: request.reply(told))
            return
        ack(**answer) if answer else ack()
