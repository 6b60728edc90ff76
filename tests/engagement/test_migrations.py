"""The migrated schema and the models agree, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from engagement import db
from engagement.errors import Invalid
from engagement.models import Base


def test_migrated_schema_matches_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)


def test_account_names_are_unique_ignoring_case(engine: Engine) -> None:
    insert = text(
        "INSERT INTO accounts (name, phase, governance, digest_channel, timezone, cadence,"
        " checkin_weekday, checkin_time, created_at)"
        " VALUES (:name, 'steady-state', 'direct', '#d', 'UTC', 'weekly', 0, '09:00:00',"
        " '2026-01-01 00:00:00')"
    )
    with engine.begin() as connection:
        connection.execute(insert, {"name": "Acme Corp"})
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert, {"name": "ACME corp"})


def test_current_schema_is_accepted(engine: Engine) -> None:
    db.ensure_current(engine)


def test_out_of_date_schema_is_refused(tmp_path: pytest.TempPathFactory) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path}/empty.sqlite3")
    with pytest.raises(Invalid, match="run `sherpa db upgrade`"):
        db.ensure_current(engine)
    engine.dispose()


def test_0003_counts_people_already_sent_a_checkin_as_introduced(tmp_path: Path) -> None:
    """Introductions are for newcomers: whoever had a check-in before the upgrade has met
    Sherpa (at their first check-in), and the upgrade and its downgrade keep the data."""
    url = f"sqlite:///{tmp_path}/old.sqlite3"
    config = db.alembic_config(url)
    command.upgrade(config, "0002")
    engine = db.make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO people (id, slack_user_id, display_name, timezone) VALUES"
                " (1, 'U0MET0001', 'Met', 'UTC'), (2, 'U0NEW0001', 'New', 'UTC')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO accounts (id, name, phase, governance, digest_channel, timezone,"
                " cadence, checkin_weekday, checkin_time, created_at) VALUES (1, 'Acme',"
                " 'steady-state', 'direct', '#d', 'UTC', 'weekly', 0, '09:00:00',"
                " '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO checkins (account_id, person_id, role, period_start, due_at, state,"
                " sent_at, deferred) VALUES (1, 1, 'sam', '2026-01-05', '2026-01-05 09:00:00',"
                " 'sent', '2026-01-05 09:00:00', 0), (1, 2, 'sponsor', '2026-01-05',"
                " '2026-01-05 09:00:00', 'due', NULL, 0)"
            )
        )
    command.upgrade(config, "0003")
    with engine.connect() as connection:
        introduced = dict(
            connection.execute(text("SELECT slack_user_id, introduced_at FROM people")).all()
        )
        status = connection.execute(text("SELECT status_emoji, status_text FROM people")).all()
    assert introduced["U0MET0001"] is not None and introduced["U0NEW0001"] is None
    assert status == [("", ""), ("", "")]
    command.downgrade(config, "0002")
    command.upgrade(config, "head")
    engine.dispose()
