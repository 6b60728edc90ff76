"""reminder messages: where each check-in's reminder was posted, so it can be updated
when the check-in is answered, skipped, postponed or expires

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_channel", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("reminder_ts", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_column("reminder_ts")
        batch_op.drop_column("reminder_channel")
