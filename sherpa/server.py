"""`sherpa serve` (gunicorn, production) and `sherpa dev` (Socket Mode + scheduler)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, NoReturn

from gunicorn.app.base import Application
from gunicorn.config import get_default_config_file
from gunicorn.glogging import Logger

from bot import logs, root
from bot.runtime import Runtime
from engagement.duework.engine import release, worker_name
from engagement.errors import Invalid, SherpaError
from engagement.settings import Settings
from sherpa import heap
from sherpa.clock import start_background_clock
from sherpa.startup import log_start
from sherpa.worker import WholeRequestWorker

log = logging.getLogger(__name__)


WsgiApp = Callable[..., Any]


class Gunicorn(Application):  # type: ignore[misc]
    """Gunicorn with Sherpa's defaults: threaded workers that read each request whole before
    a thread takes it (`sherpa.worker`), each loading its own app.

    As with gunicorn's own command, a `gunicorn.conf.py` in the working directory (or the
    file `--config` names in `GUNICORN_CMD_ARGS`), then `GUNICORN_CMD_ARGS`, override them.

    `load` runs in each worker after the fork (for Sherpa and for the latency benchmark's
    bare app alike); `on_exit` runs when a worker stops
    (SIGTERM included), after gunicorn has finished the in-flight requests.
    """

    def __init__(
        self,
        settings: Settings,
        load: Callable[[], WsgiApp],
        *,
        on_exit: Callable[[], None] | None = None,
    ) -> None:
        self.settings, self._load, self._on_exit = settings, load, on_exit
        self.worker = type(
            "Worker", (WholeRequestWorker,), {"read_timeout": settings.sherpa_read_timeout}
        )
        self.log_class = type("Log", (GunicornLog,), {"kind": settings.sherpa_log_format})
        super().__init__()

    def do_load_config(self) -> None:
        """Gunicorn prints a bad setting and exits; here it is one `Invalid` line."""
        try:
            self.load_default_config()
            self.load_config()
        except SherpaError:
            raise
        except Exception as error:
            raise Invalid(f"gunicorn settings: {error}") from None

    def load_config(self) -> None:
        options: dict[str, Any] = {
            "bind": f"0.0.0.0:{self.settings.port}",
            "workers": self.settings.web_concurrency,
            "worker_class": self.worker,  # gthread, reading whole requests first
            "threads": self.settings.web_threads,
            "timeout": 30,
            "graceful_timeout": 30,
            "keepalive": 5,
            "accesslog": None,  # Sherpa logs each request itself, with its request ID
            "loglevel": "warning",
            "logger_class": self.log_class,
            "worker_exit": lambda _server, _worker: self._on_exit and self._on_exit(),
        }
        for key, value in options.items():
            self.cfg.set(key, value)
        parser = self.cfg.parser()
        parser.error = _refuse_arguments
        from_env = parser.parse_args(self.cfg.get_cmd_args_from_env())
        config_file = from_env.config or get_default_config_file()
        if config_file:
            for key, value in self.get_config_from_filename(config_file).items():
                if key in self.cfg.settings:
                    self._set(config_file, key, value)
        for key, value in vars(from_env).items():
            if value is not None and key != "args":
                self._set("GUNICORN_CMD_ARGS", key, value)

    def _set(self, source: str, key: str, value: Any) -> None:
        try:
            self.cfg.set(key.lower(), value)
        except (TypeError, ValueError) as error:
            raise Invalid(f"{source}: {key}: {error}") from None

    def init(self, *_args: Any) -> None:
        """Gunicorn's hook for its own command line, which Sherpa does not use."""

    def load(self) -> WsgiApp:
        """The worker's app, its heap settled (`heap.settle`)."""
        app = self._load()
        heap.settle()
        return app


class GunicornLog(Logger):  # type: ignore[misc]
    """Gunicorn's own lines (a worker that failed to boot, a timeout) in Sherpa's format,
    on standard error like the rest."""

    kind: logs.Format = "logfmt"

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(logs.formatter(self.kind))


def _refuse_arguments(message: str) -> NoReturn:
    raise Invalid(f"GUNICORN_CMD_ARGS: {message}")


def serve(settings: Settings, *, scheduler: bool) -> None:
    """Production HTTP mode; each worker drains its post-ack work and claims on exit."""
    settings.required("slack_bot_token")
    settings.required("slack_signing_secret")
    checked = root.start(settings).runtime  # refuse an out-of-date schema before forking
    worker: dict[str, Any] = {}

    def load() -> WsgiApp:
        logs.configure(settings.sherpa_log_format)
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

    server = Gunicorn(settings, load, on_exit=on_exit)
    mode = "web+clock" if scheduler else "web"
    log_start(mode, checked, workers=server.cfg.workers, threads=server.cfg.threads)
    checked.engine.dispose()
    server.run()


def dev(settings: Settings, *, scheduler: bool = True) -> None:
    """Socket Mode: Slack's requests over a connection Sherpa opens, so no public URL is
    needed (a team behind a firewall); the scheduler runs alongside unless told not to."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app_token = settings.required("slack_app_token")
    sherpa = root.start(settings)
    app = sherpa.app(signing_secret_required=False)
    if scheduler:
        start_background_clock(sherpa.runtime)
    log_start("socket+clock" if scheduler else "socket", sherpa.runtime)
    SocketModeHandler(app, app_token).start()  # type: ignore[no-untyped-call]
