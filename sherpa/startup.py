"""The one line each long-running process logs as it starts: what runs, on what."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from bot.runtime import Runtime
from sherpa import DISTRIBUTION

log = logging.getLogger("sherpa")


def installed_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"


def log_start(mode: str, runtime: Runtime, *, workers: int = 1, threads: int = 0) -> None:
    """`mode`: web, web+clock, clock or socket; `workers` and `threads` for the web."""
    settings = runtime.settings
    size = getattr(runtime.engine.pool, "size", None)
    log.info(
        "sherpa.started version=%s mode=%s database=%s workers=%d threads=%d "
        "followup_threads=%d followup_places=%d database_pool=%s",
        installed_version(),
        mode,
        runtime.engine.dialect.name,
        workers,
        threads,
        settings.sherpa_followup_threads,
        settings.sherpa_followup_places,
        size() if callable(size) else "-",
    )
