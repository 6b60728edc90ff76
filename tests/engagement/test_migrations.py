"""The migrated schema and the models agree, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
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
