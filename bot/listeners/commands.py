"""The one slash command: ack at once, parse, dispatch; every reply is ephemeral."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.runtime import Runtime
from bot.slash import grammar
from bot.slash.dispatch import Invocation, dispatch
from engagement.access import account_names


def register(app: App, runtime: Runtime) -> None:
    @app.command("/sponsor")
    def sponsor(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        with runtime.sessions() as session:
            names = account_names(session)
        parsed = grammar.parse(str(command.get("text") or ""), names)
        invocation = Invocation(
            runtime=runtime,
            user_id=str(command["user_id"]),
            channel_id=str(command.get("channel_id") or ""),
            trigger_id=str(command.get("trigger_id") or ""),
            respond=respond,
        )
        dispatch(invocation, parsed)
