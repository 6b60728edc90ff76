"""due work streams: per-recipient order that retries do not break

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Existing rows get no stream (they run as before) and are first due when they are due.
The partial index of pending rows in due order lets a claim walk them in order and stop
once its batch is full, instead of testing the stream of every due row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("due_work", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stream", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE due_work SET scheduled_for = due_at")
    with op.batch_alter_table("due_work", schema=None) as batch_op:
        batch_op.alter_column(
            "scheduled_for", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.create_index(
            "ix_due_work_stream", ["stream", "state", "scheduled_for"], unique=False
        )
        batch_op.create_index(
            "ix_due_work_pending",
            ["due_at", "id"],
            unique=False,
            postgresql_where=sa.text("state IN ('due', 'claimed')"),
            sqlite_where=sa.text("state IN ('due', 'claimed')"),
        )


def downgrade() -> None:
    with op.batch_alter_table("due_work", schema=None) as batch_op:
        batch_op.drop_index("ix_due_work_pending")
        batch_op.drop_index("ix_due_work_stream")
        batch_op.drop_column("scheduled_for")
        batch_op.drop_column("stream")
