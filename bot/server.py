"""`sherpa serve` (gunicorn, production) and `sherpa dev` (Socket Mode + scheduler)."""

from __future__ import annotations

import logging
import os
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.app import create_app
from bot.clock import start_background_clock
from bot.runtime import Runtime
from bot.web import WebApp
from engagement.settings import Settings

log = logging.getLogger(__name__)


class Gunicorn(BaseApplication):  # type: ignore[misc]
    """Gunicorn configured in code: threaded workers, each building its own app."""

    def __init__(self, settings: Settings, *, scheduler: bool) -> None:
        self.settings, self.scheduler = settings, scheduler
        super().__init__()

    def load_config(self) -> None:
        workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
        options: dict[str, Any] = {
            "bind": f"0.0.0.0:{self.settings.port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": int(os.environ.get("WEB_THREADS", "8")),
            "timeout": 30,
            "graceful_timeout": 30,
            "keepalive": 5,
            "post_worker_init": self._post_worker_init,
            "logconfig_dict": {"version": 1, "disable_existing_loggers": False},
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def _post_worker_init(self, _worker: Any) -> None:
        from bot import logs

        logs.configure()
        if self.scheduler:
            start_background_clock(Runtime.start(self.settings))

    def load(self) -> WebApp:
        runtime = Runtime.start(self.settings)
        return WebApp(runtime, create_app(runtime))


def serve(settings: Settings, *, scheduler: bool) -> None:
    settings.required("slack_bot_token")
    settings.required("slack_signing_secret")
    Runtime.start(settings).engine.dispose()  # refuse an out-of-date schema before forking
    Gunicorn(settings, scheduler=scheduler).run()


def dev(settings: Settings) -> None:
    """Socket Mode for development: no public URL needed; the scheduler runs alongside."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app_token = settings.required("slack_app_token")
    runtime = Runtime.start(settings)
    app = create_app(runtime, signing_secret_required=False)
    start_background_clock(runtime)
    log.info("dev.started mode=socket")
    SocketModeHandler(app, app_token).start()  # type: ignore[no-untyped-call]
