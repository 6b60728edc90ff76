"""The Bolt app, built from settings by one factory: no global app."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot import middleware
from bot.listeners import register_listeners
from bot.runtime import Runtime


def create_app(runtime: Runtime, *, signing_secret_required: bool = True) -> App:
    """A Bolt app that verifies signatures, acks first and posts through the runtime's client.

    Socket Mode has no signatures to check, so `sherpa dev` may go without the secret.
    """
    settings = runtime.settings
    secret = (
        settings.required("slack_signing_secret")
        if signing_secret_required
        else settings.slack_signing_secret
    )
    app = App(
        signing_secret=secret,
        client=runtime.notifier.client,
        token_verification_enabled=False,
        request_verification_enabled=signing_secret_required,
        listener_executor=runtime.listeners,
        logger=logging.getLogger("slack_bolt"),
    )
    middleware.register(app, runtime)
    register_listeners(app, runtime)
    return app
