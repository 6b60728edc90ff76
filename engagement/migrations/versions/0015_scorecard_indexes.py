"""check-ins by account and period, answers by time: the scorecards' weeks and the latest
alignment meetings read without the older years

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_checkins_account_period", "checkins", ["account_id", "period_start"])
    op.create_index(op.f("ix_answers_submitted_at"), "answers", ["submitted_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_answers_submitted_at"), table_name="answers")
    op.drop_index("ix_checkins_account_period", table_name="checkins")
