"""Events API listeners: App Home, profile changes, DMs written to Sherpa, and the app
uninstalled or its tokens revoked."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.handlers import people
from bot.listeners.errors import after_ack
from bot.runtime import Runtime
from bot.surfaces import Surfaces


def register(app: App, runtime: Runtime, _surfaces: Surfaces) -> None:
    @app.event("app_home_opened")
    def home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        """Acked on return (Bolt acks events itself); the view is published after that."""
        if event.get("tab", "home") == "home":
            user_id = str(event["user"])
            after_ack(runtime, body, lambda: runtime.publish_home(user_id))

    @app.event("user_change")
    def user_changed(body: dict[str, Any], event: dict[str, Any]) -> None:
        """A profile changed: its time zone or status may have."""
        user = event.get("user")
        if isinstance(user, dict) and isinstance(user.get("id"), str):
            after_ack(runtime, body, lambda: people.profile_changed(runtime, user))

    @app.event("message")
    def message(body: dict[str, Any], event: dict[str, Any]) -> None:
        """A person's own new message in their DM with Sherpa; nothing else (no edits, no
        bot's messages, Sherpa's own included) is answered."""
        user = event.get("user")
        own = {str(a.get("user_id")) for a in body.get("authorizations") or [] if a}
        if (
            event.get("channel_type") == "im"
            and "subtype" not in event
            and "bot_id" not in event
            and isinstance(user, str)
            and user not in own
        ):
            after_ack(runtime, body, lambda: people.direct_message(runtime, user))

    def access_ended(event: dict[str, Any]) -> None:
        """Slack will refuse the token from now on: stop sending at once, everywhere (the
        clock probes `auth.test` each run and resumes when a token works again)."""
        runtime.stop_sending(str(event.get("type") or "app_uninstalled"))

    app.event("app_uninstalled")(access_ended)
    app.event("tokens_revoked")(access_ended)
