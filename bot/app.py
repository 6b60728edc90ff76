"""The Bolt app, built from settings by one factory: no global app."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot import middleware
from bot.listeners import register_listeners
from bot.runtime import Runtime
from bot.surfaces import Surfaces


class _SharedClientNotice(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN goes unused whenever it is set and a client is given,
    which is always so here: the client is the notifier's, built from that very token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


_bolt_log = logging.getLogger("slack_bolt")
_bolt_log.addFilter(_SharedClientNotice())


def create_app(
    runtime: Runtime, surfaces: Surfaces, *, signing_secret_required: bool = True
) -> App:
    """A Bolt app that verifies signatures, acks first and posts through the runtime's client,
    serving the features' `surfaces`.

    Listeners run in the request's own thread (`process_before_response`) and only ack and
    hand their work on (`after_ack`), so the ack goes back the moment the listener returns:
    no hop to Bolt's listener pool, nor its 10 ms polling for the ack.

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
        process_before_response=True,
        logger=_bolt_log,
    )
    middleware.register(app, runtime)
    register_listeners(app, runtime, surfaces)
    return app
