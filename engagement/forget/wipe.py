"""Overwriting, once a forget has committed, the old copies the database keeps in its files.

A committed UPDATE or DELETE does not erase what it replaced: SQLite keeps the earlier
pages in its write-ahead log, PostgreSQL keeps dead row versions in the table. This is
the step that clears them, run outside the forget's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine


def wipe_freed(
    engine: Engine, tables: Iterable[str], *, busy_timeout_ms: int | None = None
) -> bool:
    """After a forget has committed, overwrite the old copies of what it changed that the
    database still keeps in its files; False when SQLite was too busy to finish (run it
    again once whatever held it has ended).

    SQLite: every connection deletes securely (`PRAGMA secure_delete`, set in
    `engagement.db`), so the pages the forget rewrote keep no trace of the old rows, but
    the write-ahead log still holds the earlier versions of those pages. A TRUNCATE
    checkpoint copies the current pages into the database file and empties the log. It
    waits, up to the busy timeout (the connection's 30 s unless `busy_timeout_ms`), for
    readers still on an older snapshot (a long export, a backup), and reports busy if one
    outlasts it. It cannot run in a transaction: it runs on the raw connection, which
    `engagement.db` leaves in autocommit.
    PostgreSQL: an UPDATE leaves the old row version in the table as a dead tuple; VACUUM
    removes those of `tables` (PostgreSQL reuses the space, it does not zero it). VACUUM
    cannot run in a transaction: an AUTOCOMMIT connection.
    """
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            patience = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
            if busy_timeout_ms is not None:
                cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            try:
                busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                cursor.execute(f"PRAGMA busy_timeout={int(patience)}")
                cursor.close()
        finally:
            raw.close()
        return not busy
    preparer = engine.dialect.identifier_preparer
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in sorted(set(tables)):
            connection.exec_driver_sql(f"VACUUM {preparer.quote(table)}")
    return True
