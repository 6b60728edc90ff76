"""channel notices: the admins' DMs about a refusing channel, updated once it works

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("admin", sa.String(length=32), nullable=False),
        sa.Column("message_channel", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_notices")),
    )
    op.create_index(
        "ix_channel_notices_open", "channel_notices", ["channel", "cleared_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_channel_notices_open", table_name="channel_notices")
    op.drop_table("channel_notices")
