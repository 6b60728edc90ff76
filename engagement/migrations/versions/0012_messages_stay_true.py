"""messages stay true: where each check-in's reminder was posted, and a digest's thread
(each continuation's message, the chart's file and what it shows), so they can be updated
when what they show changes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_channel", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("reminder_ts", sa.String(length=32), nullable=True))
    with op.batch_alter_table("digest_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("part_ts", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("chart_file", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("chart", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("digest_runs", schema=None) as batch_op:
        batch_op.drop_column("chart")
        batch_op.drop_column("chart_file")
        batch_op.drop_column("part_ts")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_column("reminder_ts")
        batch_op.drop_column("reminder_channel")
