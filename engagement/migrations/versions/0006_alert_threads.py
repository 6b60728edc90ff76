"""alert threads and thresholds: where an account's alert message of the week was
posted; how large a fall must be to matter

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-06

An account gets at most one alert message a week; conditions found later that week are
posted in its thread, so each alert row remembers the message that carries it. The
portfolio's settings say how many points an indicator or a score must lose to matter.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_channel", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("message_ts", sa.String(length=32), nullable=True))
    with op.batch_alter_table("portfolio_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("indicator_fall", sa.Float(), server_default="0.5", nullable=False)
        )
        batch_op.add_column(
            sa.Column("score_fall", sa.Integer(), server_default="10", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("portfolio_settings", schema=None) as batch_op:
        batch_op.drop_column("score_fall")
        batch_op.drop_column("indicator_fall")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("message_ts")
        batch_op.drop_column("message_channel")
