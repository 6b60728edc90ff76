"""The clock process runs due work once a minute of Sherpa's time."""

from __future__ import annotations

import pytest

from bot.root import start
from engagement.settings import load_settings
from sherpa.clock import MINIMUM_INTERVAL, interval


@pytest.mark.parametrize(
    ("rehearsal", "seconds"),
    [(None, 60.0), ("2026-11-23T00:00:00Z,60,0", 1.0), ("2026-11-23T00:00:00Z,6000,0", None)],
)
def test_runs_every_minute_of_sherpa_time(
    tmp_path: pytest.TempPathFactory, rehearsal: str | None, seconds: float | None
) -> None:
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path}/clock.sqlite3", sherpa_rehearsal_clock=rehearsal
    )
    runtime = start(settings, check_schema=False).runtime
    assert interval(runtime) == (seconds or MINIMUM_INTERVAL)
    assert (runtime.clock is settings.sherpa_rehearsal_clock) == (rehearsal is not None)
