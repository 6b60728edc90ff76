"""The reliability scenarios at a small size, in `make test`; `make reliability` runs them
at the size of a large company and prints the table."""

from __future__ import annotations

from pathlib import Path

from tests import pg
from tests.reliability import scenarios


def test_chaos_loses_nothing_and_repeats_only_what_was_in_flight(
    postgres: pg.PostgresServer, tmp_path: Path
) -> None:
    row = scenarios.chaos(postgres, tmp_path, accounts=40, days=2.5, speed=3000)
    print(f"\n{row}")
    assert row.problems == []
    assert row.due > 100 and row.delivered == row.due and row.lost == 0
