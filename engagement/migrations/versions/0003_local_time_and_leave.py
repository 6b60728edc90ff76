"""local time and leave: countries for holidays, away statuses, introductions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

People who were already sent a check-in count as introduced (the introduction DM is for
newcomers only); everyone's Slack status is read afresh before their next check-in.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


NEW_COLUMNS: dict[str, list[sa.Column[Any]]] = {
    "portfolio_settings": [
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("working_days", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("away_statuses", sa.JSON(), nullable=True),
    ],
    "accounts": [sa.Column("country", sa.String(length=8), nullable=True)],
    "people": [
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("introduced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_emoji", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("status_text", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("status_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_checked_at", sa.DateTime(timezone=True), nullable=True),
    ],
}
"""Added with plain ALTER TABLE … ADD COLUMN, which SQLite does in place: a batch copy of
`people` would have to drop the table every check-in points at."""


def upgrade() -> None:
    for table, columns in NEW_COLUMNS.items():
        for column in columns:
            op.add_column(table, column)
    if op.get_bind().dialect.name == "postgresql":  # SQLite cannot drop a default in place
        op.alter_column("portfolio_settings", "working_days", server_default=None)
        op.alter_column("people", "status_emoji", server_default=None)
        op.alter_column("people", "status_text", server_default=None)
    op.execute(
        "UPDATE people SET introduced_at = (SELECT min(checkins.sent_at) FROM checkins"
        " WHERE checkins.person_id = people.id AND checkins.sent_at IS NOT NULL)"
    )


def downgrade() -> None:
    for table, columns in reversed(NEW_COLUMNS.items()):
        for column in reversed(columns):
            op.drop_column(table, column.name)
