"""phase question: the sponsor's yes or no to their account phase's question (seed 002)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phase", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("phase_check", sa.Boolean(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_answers_phase"),
            "phase IN ('pre-rfp', 'selection', 'implementation', 'steady-state')",
        )


def downgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_answers_phase"), type_="check")
        batch_op.drop_column("phase_check")
        batch_op.drop_column("phase")
