"""The one slash command: parse once, then answer in the ack or dispatch after it.

What needs no database (help, and a mistake found before an account name is read) is
answered in the ack itself: the person sees it at once and nothing runs afterwards.
Everything else is acked at once and dispatched after the ack; a command naming an
account without quotes is finished (`grammar.AccountsNeeded`) with the person's own
account names, loaded then. Every reply is ephemeral.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.listeners.errors import after_ack
from bot.request import SlackRequest
from bot.runtime import Runtime
from bot.slash import grammar
from bot.surfaces import Surfaces
from engagement.access import account_names
from engagement.errors import Invalid


def register(app: App, runtime: Runtime, surfaces: Surfaces) -> None:
    @app.command("/sponsor")
    def sponsor(ack: Ack, command: dict[str, Any]) -> None:
        try:
            parsed = grammar.parse(str(command.get("text") or ""))
        except Invalid as mistake:
            ack(text=str(mistake), response_type="ephemeral")
            return
        if isinstance(parsed, grammar.Command):
            answer = surfaces.answer_now(parsed)
            if answer is not None:
                ack(text=answer, response_type="ephemeral")
                return
        ack()

        def work() -> None:
            request = SlackRequest.from_body(runtime, command)
            if isinstance(parsed, grammar.Command):
                surfaces.dispatch(request, parsed)
                return
            with request.reading() as session:  # only their own: no hint at anyone else's
                names = account_names(session, request.actor(session))
            surfaces.dispatch(request, parsed.finish(names))

        after_ack(runtime, command, work)
