"""Events API listeners: App Home."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.home import home_view
from bot.listeners.errors import after_ack
from bot.runtime import Runtime
from engagement.access import actor_for


def publish_home(runtime: Runtime, user_id: str) -> None:
    """Build and publish a person's App Home (also after changes made from it)."""
    with runtime.reads() as session:
        actor = actor_for(session, user_id, runtime.settings.sherpa_admins)
        view = home_view(session, actor, runtime.clock())
    runtime.notifier.call("views.publish", user_id=user_id, view=view)


def register(app: App, runtime: Runtime) -> None:
    @app.event("app_home_opened")
    def home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        """Acked on return (Bolt acks events itself); the view is published after that."""
        if event.get("tab", "home") == "home":
            user_id = str(event["user"])
            after_ack(runtime, body, lambda: publish_home(runtime, user_id))
