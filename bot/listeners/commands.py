"""The one slash command: ack at once, parse, dispatch; every reply is ephemeral."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.listeners.errors import after_ack
from bot.request import SlackRequest
from bot.runtime import Runtime
from bot.slash import grammar
from bot.slash.dispatch import dispatch
from engagement.access import account_names


def register(app: App, runtime: Runtime) -> None:
    @app.command("/sponsor")
    def sponsor(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()

        def work() -> None:
            with runtime.sessions() as session:
                names = account_names(session)
            parsed = grammar.parse(str(command.get("text") or ""), names)
            dispatch(SlackRequest.from_body(runtime, command, respond), parsed)

        after_ack(runtime, command, respond, work)
