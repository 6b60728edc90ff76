"""`sherpa serve` (gunicorn, production) and `sherpa dev` (Socket Mode + scheduler)."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from bot import logs, root
from bot.runtime import Runtime
from engagement.duework.engine import release, worker_name
from engagement.settings import Settings
from sherpa.clock import start_background_clock
from sherpa.worker import WholeRequestWorker

log = logging.getLogger(__name__)


WsgiApp = Callable[..., Any]


class Gunicorn(BaseApplication):  # type: ignore[misc]
    """Gunicorn configured in code: threaded workers that read each request whole before a
    thread takes it (`sherpa.worker`), each loading its own app.

    `load` runs in each worker after the fork (for Sherpa and for the latency benchmark's
    bare app alike); `on_exit` runs when a worker stops
    (SIGTERM included), after gunicorn has finished the in-flight requests.
    """

    def __init__(
        self,
        port: int,
        load: Callable[[], WsgiApp],
        *,
        on_exit: Callable[[], None] | None = None,
        read_timeout: float = WholeRequestWorker.read_timeout,
    ) -> None:
        self.port, self._load, self._on_exit = port, load, on_exit
        self.worker = type("Worker", (WholeRequestWorker,), {"read_timeout": read_timeout})
        super().__init__()

    def load_config(self) -> None:
        options: dict[str, Any] = {
            "bind": f"0.0.0.0:{self.port}",
            "workers": int(os.environ.get("WEB_CONCURRENCY", "2")),
            "worker_class": self.worker,  # gthread, reading whole requests first
            "threads": int(os.environ.get("WEB_THREADS", "8")),
            "timeout": 30,
            "graceful_timeout": 30,
            "keepalive": 5,
            "accesslog": None,  # Sherpa logs each request itself, with its request ID
            "loglevel": "warning",
            "worker_exit": lambda _server, _worker: self._on_exit and self._on_exit(),
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        """The worker's app; what it loaded stays for the worker's life, so it is moved out
        of the garbage collector's way (`gc.freeze`): a full collection then looks only at
        objects made since, a few milliseconds instead of hundreds that stop every thread."""
        app = self._load()
        gc.collect()
        gc.freeze()
        return app


def serve(settings: Settings, *, scheduler: bool) -> None:
    """Production HTTP mode; each worker drains its post-ack work and claims on exit."""
    settings.required("slack_bot_token")
    settings.required("slack_signing_secret")
    root.start(settings).runtime.engine.dispose()  # refuse an out-of-date schema before forking
    worker: dict[str, Any] = {}

    def load() -> WsgiApp:
        logs.configure()
        sherpa = root.start(settings)
        worker["runtime"] = sherpa.runtime
        if scheduler:
            worker["clock"] = start_background_clock(sherpa.runtime)
        return sherpa.web_app(clock_expected=True)  # its own, or the Procfile's clock

    def on_exit() -> None:
        runtime: Runtime | None = worker.get("runtime")
        if runtime is None:
            return
        if "clock" in worker:
            worker["clock"].shutdown()
            release(runtime.sessions, worker_name())
        drained = runtime.wait_idle(timeout=25)
        log.info("serve.worker_stopped drained=%s", drained)

    Gunicorn(settings.port, load, on_exit=on_exit, read_timeout=settings.sherpa_read_timeout).run()


def dev(settings: Settings) -> None:
    """Socket Mode for development: no public URL needed; the scheduler runs alongside."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app_token = settings.required("slack_app_token")
    sherpa = root.start(settings)
    app = sherpa.app(signing_secret_required=False)
    start_background_clock(sherpa.runtime)
    log.info("dev.started mode=socket")
    SocketModeHandler(app, app_token).start()  # type: ignore[no-untyped-call]
