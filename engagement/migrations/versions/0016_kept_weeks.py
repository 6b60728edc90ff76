"""kept weeks: completed weeks' scorecards kept for the digest, and the log of changes to
what they were computed from, written by triggers on the five tables figures come from

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class Watched(NamedTuple):
    account: str
    """Its account's ID, of `{row}` (OLD or NEW)."""
    moment: str
    """The day or instant it counts from."""
    is_day: bool
    columns: str
    """The columns whose change can change a figure."""
    placed: tuple[str, ...]
    """The columns that fix its account and moment."""
    counts: str = "TRUE"
    """Whether a row counts in any figure at all."""
    source: str = ""
    """Where `account` and `moment` are read from, when not the row itself."""


WATCHED = {
    "checkins": Watched(
        "{row}.account_id",
        "{row}.period_start",
        True,
        "account_id, role, period_start, state, sent_at",
        ("account_id", "period_start"),
        counts="{row}.sent_at IS NOT NULL",  # planned, not sent yet: counted nowhere
    ),
    "answers": Watched(
        "checkins.account_id",
        "checkins.period_start",
        True,
        "checkin_id, revision, stakeholder_engagement, strategic_alignment, internal_advocacy,"
        " regular_checkins, role_balance, alignment_meeting_held, submitted_at",
        ("checkin_id",),
        source=" FROM checkins WHERE checkins.id = {row}.checkin_id",
    ),
    "advocacy_actions": Watched(
        "{row}.account_id",
        "{row}.logged_at",
        False,
        "account_id, logged_at",
        ("account_id", "logged_at"),
    ),
    "escalations": Watched(
        "{row}.account_id",
        "{row}.created_at",
        False,
        "account_id, state, created_at, ack_deadline, acknowledged_at, resolved_at",
        ("account_id", "created_at"),
    ),
    "kpi_actuals": Watched(
        "{row}.account_id",
        "{row}.recorded_at",
        False,
        "account_id, kpi_id, value, recorded_at",
        ("account_id", "recorded_at"),
    ),
}
"""Each table figures are computed from. A change to a row may alter its account's figures
from the week of its moment onwards: a check-in counts in the week of its period, an
instant in the week of the account's own zone, which may start a day before its date in
UTC, so it is logged from the day before. An update is logged once, for the row as it is
now, and for the row as it was only when that was elsewhere (another account or week) or
no longer counts."""

LOG = "INSERT INTO score_changes (account_id, since) SELECT {account}, {since}{source}{where};"


class Events(NamedTuple):
    """When each row of a change is logged: the new row, the old row on delete, the old
    row on update."""

    new: str
    deleted: str
    old: str


def _events(watched: Watched, distinct: str) -> Events:
    new, old = watched.counts.format(row="NEW"), watched.counts.format(row="OLD")
    moved = " OR ".join(f"OLD.{column} {distinct} NEW.{column}" for column in watched.placed)
    return Events(new, old, f"{old} AND ({moved} OR NOT ({new}))")


def upgrade() -> None:
    op.create_table(
        "score_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=True),
        sa.Column(
            "logged_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_changes")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_score_changes_account", "score_changes", ["account_id", "since"])
    op.create_table(
        "kept_weeks",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("monday", sa.Date(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("kpis", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("horizon", sa.BigInteger(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("statuses", sa.String(length=32), nullable=False),
        sa.Column("actuals", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_kept_weeks_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", "week", name=op.f("pk_kept_weeks")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE score_changes ALTER COLUMN xid"
            " SET DEFAULT pg_current_xact_id()::text::bigint"
        )
        for table, watched in WATCHED.items():
            _postgresql_trigger(table, watched)
    else:
        for table, watched in WATCHED.items():
            _sqlite_triggers(table, watched)


def _postgresql_trigger(table: str, watched: Watched) -> None:
    since = "{}" if watched.is_day else "({} AT TIME ZONE 'UTC')::date - 1"
    when = _events(watched, "IS DISTINCT FROM")

    def log(row: str, condition: str) -> str:
        return _log(watched, row, since.format(watched.moment.format(row=row)), condition)

    op.execute(f"""
        CREATE FUNCTION score_changes_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'DELETE' THEN {log("NEW", when.new)} END IF;
            IF TG_OP = 'DELETE' THEN {log("OLD", when.deleted)} END IF;
            IF TG_OP = 'UPDATE' THEN {log("OLD", when.old)} END IF;
            RETURN NULL;
        END $$
    """)
    op.execute(f"""
        CREATE TRIGGER score_changes_{table}
        AFTER INSERT OR DELETE OR UPDATE OF {watched.columns}
        ON {table} FOR EACH ROW EXECUTE FUNCTION score_changes_{table}()
    """)


def _sqlite_triggers(table: str, watched: Watched) -> None:
    since = "date({})" if watched.is_day else "date({}, '-1 day')"
    when = _events(watched, "IS NOT")

    def log(row: str, condition: str) -> str:
        return _log(watched, row, since.format(watched.moment.format(row=row)), condition)

    bodies = {
        "INSERT": log("NEW", when.new),
        "DELETE": log("OLD", when.deleted),
        f"UPDATE OF {watched.columns}": log("NEW", when.new) + " " + log("OLD", when.old),
    }
    for event, body in bodies.items():
        name = event.split()[0].lower()
        op.execute(
            f"CREATE TRIGGER score_changes_{table}_{name} AFTER {event} ON {table}"
            f" FOR EACH ROW BEGIN {body} END"
        )


def _log(watched: Watched, row: str, since: str, condition: str) -> str:
    source = watched.source.format(row=row)
    return LOG.format(
        account=watched.account.format(row=row),
        since=since,
        source=source,
        where=f" {'AND' if source else 'WHERE'} ({condition})",
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        if postgresql:
            op.execute(f"DROP TRIGGER score_changes_{table} ON {table}")
            op.execute(f"DROP FUNCTION score_changes_{table}()")
        else:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER score_changes_{table}_{event}")
    op.drop_table("kept_weeks")
    op.drop_index("ix_score_changes_account", table_name="score_changes")
    op.drop_table("score_changes")
