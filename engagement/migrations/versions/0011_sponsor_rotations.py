"""sponsor rotations: the handover brief's place and the outgoing sponsor's note

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sponsor_rotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("outgoing_id", sa.Integer(), nullable=False),
        sa.Column("incoming_id", sa.Integer(), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_by", sa.String(length=32), nullable=False),
        sa.Column("brief_channel", sa.String(length=32), nullable=True),
        sa.Column("brief_ts", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("note_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_sponsor_rotations_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["incoming_id"], ["people.id"], name=op.f("fk_sponsor_rotations_incoming_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["outgoing_id"], ["people.id"], name=op.f("fk_sponsor_rotations_outgoing_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsor_rotations")),
    )
    with op.batch_alter_table("sponsor_rotations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sponsor_rotations_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sponsor_rotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sponsor_rotations_account_id"))

    op.drop_table("sponsor_rotations")
