"""The reliability scenarios at a small size, in `make test`; `make reliability` runs them
at the size of a large company and prints the table (`tests/reliability/suite.py`)."""

from __future__ import annotations

from pathlib import Path

from tests import pg
from tests.reliability.suite import QUICK


def test_chaos_loses_nothing_and_repeats_only_what_was_in_flight(
    postgres: pg.PostgresServer, tmp_path: Path
) -> None:
    row = QUICK["chaos"](postgres, tmp_path)
    assert row.problems == [], row.notes
    assert row.due > 100 and row.delivered == row.due and row.lost == 0


def test_after_a_slack_outage_everything_is_delivered_once_in_order(
    postgres: pg.PostgresServer, tmp_path: Path
) -> None:
    row = QUICK["slack-outage"](postgres, tmp_path)
    assert row.problems == [], row.notes
    assert row.due > 20 and row.delivered == row.due and row.duplicated == 0


def test_a_database_outage_is_survived_without_a_restart(
    postgres: pg.PostgresServer, tmp_path: Path
) -> None:
    row = QUICK["db-outage"](postgres, tmp_path)
    assert row.problems == [], row.notes
    assert row.delivered == row.due > 0


def test_under_load_acks_stay_fast_and_memory_flat(
    postgres: pg.PostgresServer, tmp_path: Path
) -> None:
    row = QUICK["load"](postgres, tmp_path)
    assert row.problems == [], row.notes
    assert row.due > 100
