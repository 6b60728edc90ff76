"""Events API listeners: App Home; the app uninstalled or its tokens revoked."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

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

    def access_ended(event: dict[str, Any]) -> None:
        """Slack will refuse the token from now on: stop sending at once, everywhere (the
        clock probes `auth.test` each run and resumes when a token works again)."""
        runtime.stop_sending(str(event.get("type") or "app_uninstalled"))

    app.event("app_uninstalled")(access_ended)
    app.event("tokens_revoked")(access_ended)
