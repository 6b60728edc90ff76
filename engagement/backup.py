"""Every table out to one JSON-lines file and back in, for moves, restores and audits.

Schema-driven (it walks the models' metadata in dependency order), so a new table or
column is covered without touching this module. Rows are streamed in both directions.
Tables derived from the others for this database alone (`models.base.DERIVED`: kept
weeks, the log of changes) are not data: an import works them out again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any, TextIO

from sqlalchemy import Date, Table, Time, func, insert, select, text
from sqlalchemy.orm import Session

from engagement.errors import Invalid
from engagement.models import Base, UTCDateTime

FORMAT = "sherpa-export/1"
BATCH = 1000


def _tables() -> list[Table]:
    return [table for table in Base.metadata.sorted_tables if not table.info.get("derived")]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def export_all(session: Session, out: TextIO) -> dict[str, int]:
    """Write a header line, then one line per row: `{"table": …, "row": {…}}`."""
    out.write(json.dumps({"format": FORMAT}) + "\n")
    counts: dict[str, int] = {}
    for table in _tables():
        counts[table.name] = 0
        statement = select(table).order_by(*table.primary_key.columns)
        for row in session.execute(statement.execution_options(yield_per=BATCH)).mappings():
            record = {key: _plain(value) for key, value in row.items()}
            out.write(json.dumps({"table": table.name, "row": record}, ensure_ascii=False) + "\n")
            counts[table.name] += 1
    return counts


def _typed(table_name: str, row: dict[str, Any]) -> dict[str, Any]:
    table = Base.metadata.tables[table_name]
    typed: dict[str, Any] = {}
    for key, value in row.items():
        if key not in table.columns:
            raise Invalid(f"{table_name}.{key}: no such column in this version of Sherpa")
        column_type = table.columns[key].type
        if value is not None and isinstance(column_type, UTCDateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column_type, Date):
            value = date.fromisoformat(value)
        elif value is not None and isinstance(column_type, Time):
            value = time.fromisoformat(value)
        typed[key] = value
    return typed


def _records(lines: TextIO) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        header = json.loads(lines.readline() or "{}")
    except ValueError:
        header = {}
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise Invalid(f"not a Sherpa export (expected a first line with format {FORMAT})")
    for number, line in enumerate(lines, start=2):
        try:
            record = json.loads(line)
            yield record["table"], record["row"]
        except (ValueError, KeyError, TypeError):
            raise Invalid(f"line {number}: not a table row") from None


def import_all(session: Session, lines: TextIO) -> dict[str, int]:
    """Load an export into an empty, migrated database, in the caller's transaction."""
    tables = {table.name: table for table in _tables()}
    for table in tables.values():
        if session.scalar(select(func.count()).select_from(table)):
            raise Invalid(f"the database is not empty ({table.name} has rows): nothing imported")
    counts: dict[str, int] = {}
    batch: list[dict[str, Any]] = []
    current: str | None = None
    for table_name, row in _records(lines):
        if table_name not in tables:
            raise Invalid(f"unknown table {table_name!r}: nothing imported")
        if table_name != current and batch:
            _flush(session, current, batch)
            batch = []
        current = table_name
        batch.append(_typed(table_name, row))
        counts[table_name] = counts.get(table_name, 0) + 1
        if len(batch) >= BATCH:
            _flush(session, current, batch)
            batch = []
    if batch:
        _flush(session, current, batch)
    _reset_sequences(session)
    return counts


def _flush(session: Session, table_name: str | None, rows: list[dict[str, Any]]) -> None:
    assert table_name is not None
    session.execute(insert(Base.metadata.tables[table_name]), rows)


def _reset_sequences(session: Session) -> None:
    """PostgreSQL's id sequences must continue after the imported ids."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" in table.columns and table.columns["id"].autoincrement is not False:
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            ))  # fmt: skip
