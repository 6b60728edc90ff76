"""local time and leave: countries for holidays, away statuses, introductions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

People who were already sent a check-in count as introduced (the introduction DM is for
newcomers only); everyone's Slack status is read afresh before their next check-in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("portfolio_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("working_days", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("away_statuses", sa.JSON(), nullable=True))
    with op.batch_alter_table("portfolio_settings", schema=None) as batch_op:
        batch_op.alter_column("working_days", existing_type=sa.Boolean(), server_default=None)
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=8), nullable=True))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("introduced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("status_emoji", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("status_text", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("status_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("status_checked_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.alter_column("status_emoji", existing_type=sa.String(100), server_default=None)
        batch_op.alter_column("status_text", existing_type=sa.String(100), server_default=None)
    op.execute(
        "UPDATE people SET introduced_at = (SELECT min(checkins.sent_at) FROM checkins"
        " WHERE checkins.person_id = people.id AND checkins.sent_at IS NOT NULL)"
    )


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        for column in (
            "status_checked_at",
            "status_expires_at",
            "status_text",
            "status_emoji",
            "introduced_at",
            "country",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("country")
    with op.batch_alter_table("portfolio_settings", schema=None) as batch_op:
        batch_op.drop_column("away_statuses")
        batch_op.drop_column("working_days")
        batch_op.drop_column("country")
