"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phase", sa.String(length=32), nullable=False),
        sa.Column("governance", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=80), nullable=True),
        sa.Column("digest_channel", sa.String(length=80), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("checkin_weekday", sa.Integer(), nullable=False),
        sa.Column("checkin_time", sa.Time(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cadence IN ('weekly', 'biweekly', 'monthly')", name=op.f("ck_accounts_cadence")
        ),
        sa.CheckConstraint(
            "governance IN ('direct', 'steering-committee', 'three-tier')",
            name=op.f("ck_accounts_governance"),
        ),
        sa.CheckConstraint(
            "phase IN ('pre-rfp', 'selection', 'implementation', 'steady-state')",
            name=op.f("ck_accounts_phase"),
        ),
        sa.CheckConstraint(
            "checkin_weekday BETWEEN 0 AND 6", name=op.f("ck_accounts_checkin_weekday")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    op.create_index("uq_accounts_name_lower", "accounts", [sa.text("lower(name)")], unique=True)
    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("iso_week", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("message_channel", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('posting', 'posted')", name=op.f("ck_digest_runs_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_runs")),
        sa.UniqueConstraint("channel", "iso_week", name="uq_digest_runs_week"),
    )
    op.create_table(
        "due_work",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('due', 'claimed', 'done', 'failed')", name=op.f("ck_due_work_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_due_work")),
        sa.UniqueConstraint("key", name=op.f("uq_due_work_key")),
    )
    with op.batch_alter_table("due_work", schema=None) as batch_op:
        batch_op.create_index("ix_due_work_ready", ["state", "due_at"], unique=False)

    op.create_table(
        "kpi_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("red_below", sa.Float(), nullable=True),
        sa.Column("red_above", sa.Float(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "source IN ('indicator', 'manual')", name=op.f("ck_kpi_definitions_source")
        ),
        sa.CheckConstraint(
            "(red_below IS NULL) <> (red_above IS NULL)",
            name=op.f("ck_kpi_definitions_one_red_threshold"),
        ),
        sa.CheckConstraint("weight > 0", name=op.f("ck_kpi_definitions_weight")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_definitions")),
        sa.UniqueConstraint("key", name=op.f("uq_kpi_definitions_key")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("timezone_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "slack_user_id IS NOT NULL OR email IS NOT NULL",
            name=op.f("ck_people_slack_id_or_email"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("email", name=op.f("uq_people_email")),
        sa.UniqueConstraint("slack_user_id", name=op.f("uq_people_slack_user_id")),
    )
    op.create_table(
        "portfolio_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("cadence", sa.String(length=16), nullable=False),
        sa.Column("checkin_weekday", sa.Integer(), nullable=False),
        sa.Column("checkin_time", sa.Time(), nullable=False),
        sa.Column("digest_weekday", sa.Integer(), nullable=False),
        sa.Column("digest_time", sa.Time(), nullable=False),
        sa.Column("digest_channel", sa.String(length=80), nullable=False),
        sa.Column("escalation_path", sa.String(length=80), nullable=True),
        sa.Column("ack_hours", sa.JSON(), nullable=False),
        sa.Column("nudge_after_hours", sa.Integer(), nullable=False),
        sa.Column("expire_after_days", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "checkin_weekday BETWEEN 0 AND 6", name=op.f("ck_portfolio_settings_checkin_weekday")
        ),
        sa.CheckConstraint(
            "digest_weekday BETWEEN 0 AND 6", name=op.f("ck_portfolio_settings_digest_weekday")
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_portfolio_settings_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_settings")),
    )
    op.create_table(
        "processed_requests",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_processed_requests")),
    )
    op.create_table(
        "scheduler_beats",
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker", name=op.f("pk_scheduler_beats")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_alerts_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_alerts_dedupe_key")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_account_id"), ["account_id"], unique=False)

    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deferred", sa.Boolean(), nullable=False),
        sa.Column("message_channel", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.CheckConstraint("role IN ('sponsor', 'sam')", name=op.f("ck_checkins_role")),
        sa.CheckConstraint(
            "state IN ('due', 'sent', 'nudged', 'answered', 'skipped', 'expired')",
            name=op.f("ck_checkins_state"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_checkins_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_checkins_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("account_id", "person_id", "period_start", name="uq_checkins_period"),
    )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index("ix_checkins_person_state", ["person_id", "state"], unique=False)

    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("raised_by", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("ask", sa.Text(), nullable=False),
        sa.Column("source_permalink", sa.String(length=500), nullable=True),
        sa.Column("due_by", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ack_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("alert_channel", sa.String(length=32), nullable=True),
        sa.Column("alert_ts", sa.String(length=32), nullable=True),
        sa.Column("request_key", sa.String(length=120), nullable=True),
        sa.CheckConstraint(
            "severity IN ('low', 'medium', 'high', 'critical')",
            name=op.f("ck_escalations_severity"),
        ),
        sa.CheckConstraint(
            "state IN ('open', 'acknowledged', 'resolved', 'cancelled')",
            name=op.f("ck_escalations_state"),
        ),
        sa.CheckConstraint("length(summary) > 0", name=op.f("ck_escalations_summary")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_escalations_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by"], ["people.id"], name=op.f("fk_escalations_raised_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("request_key", name=op.f("uq_escalations_request_key")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_account_state", ["account_id", "state"], unique=False)

    op.create_table(
        "kpi_actuals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_kpi_actuals_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["kpi_id"], ["kpi_definitions.id"], name=op.f("fk_kpi_actuals_kpi_id_kpi_definitions")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["people.id"], name=op.f("fk_kpi_actuals_recorded_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_actuals")),
    )
    with op.batch_alter_table("kpi_actuals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_kpi_actuals_lookup", ["account_id", "kpi_id", "recorded_at"], unique=False
        )

    op.create_table(
        "sponsorships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('sponsor', 'sam')", name=op.f("ck_sponsorships_role")),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at", name=op.f("ck_sponsorships_period")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_sponsorships_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_sponsorships_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsorships")),
    )
    with op.batch_alter_table("sponsorships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sponsorships_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sponsorships_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "uq_sponsorships_current",
            ["account_id", "person_id", "role"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("stakeholder_engagement", sa.Integer(), nullable=False),
        sa.Column("strategic_alignment", sa.Integer(), nullable=False),
        sa.Column("internal_advocacy", sa.Integer(), nullable=False),
        sa.Column("regular_checkins", sa.Integer(), nullable=False),
        sa.Column("role_balance", sa.Integer(), nullable=False),
        sa.Column("role_direction", sa.String(length=16), nullable=True),
        sa.Column("alignment_meeting_held", sa.Boolean(), nullable=False),
        sa.Column("stakeholders_met", sa.Integer(), nullable=False),
        sa.Column("advocacy", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "internal_advocacy BETWEEN 1 AND 5", name=op.f("ck_answers_internal_advocacy")
        ),
        sa.CheckConstraint(
            "regular_checkins BETWEEN 1 AND 5", name=op.f("ck_answers_regular_checkins")
        ),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_answers_revision")),
        sa.CheckConstraint("role_balance BETWEEN 1 AND 5", name=op.f("ck_answers_role_balance")),
        sa.CheckConstraint(
            "role_direction IN ('stepped_back', 'balanced', 'took_over')",
            name=op.f("ck_answers_role_direction"),
        ),
        sa.CheckConstraint(
            "stakeholder_engagement BETWEEN 1 AND 5", name=op.f("ck_answers_stakeholder_engagement")
        ),
        sa.CheckConstraint("stakeholders_met >= 0", name=op.f("ck_answers_stakeholders_met")),
        sa.CheckConstraint(
            "strategic_alignment BETWEEN 1 AND 5", name=op.f("ck_answers_strategic_alignment")
        ),
        sa.ForeignKeyConstraint(
            ["checkin_id"], ["checkins.id"], name=op.f("fk_answers_checkin_id_checkins")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["people.id"], name=op.f("fk_answers_submitted_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("checkin_id", "revision", name="uq_answers_revision"),
    )
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answers_checkin_id"), ["checkin_id"], unique=False)

    op.create_table(
        "escalation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_events_escalation_id_escalations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_escalation_events_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_events")),
    )
    with op.batch_alter_table("escalation_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_events_escalation_id"), ["escalation_id"], unique=False
        )

    op.create_table(
        "escalation_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('alert', 'request', 'reminder', 'critical', 'overdue')",
            name=op.f("ck_escalation_notices_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_notices_escalation_id_escalations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_notices")),
        sa.UniqueConstraint(
            "escalation_id", "kind", "recipient", name="uq_escalation_notices_target"
        ),
    )
    with op.batch_alter_table("escalation_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_notices_escalation_id"), ["escalation_id"], unique=False
        )

    op.create_table(
        "advocacy_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_advocacy_actions_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["answers.id"], name=op.f("fk_advocacy_actions_answer_id_answers")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_advocacy_actions_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocacy_actions")),
    )
    with op.batch_alter_table("advocacy_actions", schema=None) as batch_op:
        batch_op.create_index("ix_advocacy_account_time", ["account_id", "logged_at"], unique=False)


def downgrade() -> None:
    op.drop_index("uq_accounts_name_lower", table_name="accounts")
    with op.batch_alter_table("advocacy_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_advocacy_account_time")

    op.drop_table("advocacy_actions")
    with op.batch_alter_table("escalation_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_notices_escalation_id"))

    op.drop_table("escalation_notices")
    with op.batch_alter_table("escalation_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_events_escalation_id"))

    op.drop_table("escalation_events")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answers_checkin_id"))

    op.drop_table("answers")
    with op.batch_alter_table("sponsorships", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_sponsorships_current",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_sponsorships_person_id"))
        batch_op.drop_index(batch_op.f("ix_sponsorships_account_id"))

    op.drop_table("sponsorships")
    with op.batch_alter_table("kpi_actuals", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_actuals_lookup")

    op.drop_table("kpi_actuals")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_account_state")

    op.drop_table("escalations")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_checkins_person_state")

    op.drop_table("checkins")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_account_id"))

    op.drop_table("alerts")
    op.drop_table("scheduler_beats")
    op.drop_table("processed_requests")
    op.drop_table("portfolio_settings")
    op.drop_table("people")
    op.drop_table("kpi_definitions")
    with op.batch_alter_table("due_work", schema=None) as batch_op:
        batch_op.drop_index("ix_due_work_ready")

    op.drop_table("due_work")
    op.drop_table("digest_runs")
    op.drop_table("accounts")
