"""The first operational-store schema: the DuckDB store's five tables, users, runs, models.

Written out in full rather than imported from ``warehouse.ops.schema``: a migration is a record
of one step and must not change when the schema module does.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rules",
        sa.Column("rule_id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("conditions", sa.Text, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("channel", sa.String, nullable=False),
        sa.Column("offer", sa.String, nullable=False),
        sa.Column("kpi", sa.String, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("rule_id", name="pk_rules"),
        sa.UniqueConstraint("name", name="uq_rules_name"),
    )
    op.create_table(
        "campaigns",
        sa.Column("campaign_id", sa.String, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("rule_id", sa.Integer),
        sa.Column("rule_name", sa.String),
        sa.Column("action", sa.String),
        sa.Column("channel", sa.String),
        sa.Column("offer", sa.String),
        sa.Column("kpi", sa.String),
        sa.Column("control_share", sa.Double, nullable=False),
        sa.Column("salt", sa.String),
        sa.Column("launched_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("audience_size", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String, nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", name="pk_campaigns"),
        sa.CheckConstraint("source IN ('board', 'demo')", name="ck_campaigns_source"),
    )
    op.create_table(
        "campaign_assignments",
        sa.Column("campaign_id", sa.String, nullable=False),
        sa.Column("customer_id", sa.String, nullable=False),
        sa.Column("group_name", sa.String, nullable=False),
        sa.Column("segment", sa.String),
        sa.Column("clv_amount", sa.Double),
        sa.PrimaryKeyConstraint("campaign_id", "customer_id", name="pk_campaign_assignments"),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.campaign_id"],
            name="fk_campaign_assignments_campaign_id_campaigns",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "group_name IN ('treatment', 'control')", name="ck_campaign_assignments_group_name"
        ),
    )
    op.create_table(
        "audit_log",
        sa.Column("audit_id", sa.Integer, primary_key=True),
        sa.Column("logged_at", sa.DateTime, nullable=False),
        sa.Column("user_name", sa.String),
        sa.Column("event", sa.String, nullable=False),
        sa.Column("campaign_id", sa.String),
        sa.Column("segment", sa.String),
        sa.Column("rule_id", sa.Integer),
        sa.Column("group_name", sa.String),
        sa.Column("row_count", sa.BigInteger),
        sa.Column("file_name", sa.String),
        sa.Column("detail", sa.Text),
        sa.PrimaryKeyConstraint("audit_id", name="pk_audit_log"),
        sa.CheckConstraint(
            "event IN ('sign_in', 'rule_change', 'launch', 'export', 'send')",
            name="ck_audit_log_event",
        ),
    )
    op.create_index("ix_audit_log_logged_at", "audit_log", ["logged_at"])
    op.create_table(
        "ops_meta",
        sa.Column("key", sa.String, nullable=False),
        sa.Column("value", sa.Text),
        sa.PrimaryKeyConstraint("key", name="pk_ops_meta"),
    )
    op.create_table(
        "users",
        sa.Column("user_id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("password_hash", sa.String, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("is_disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("user_id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
        sa.CheckConstraint(
            "role IN ('viewer', 'analyst', 'campaign_owner', 'admin')", name="ck_users_role"
        ),
    )
    op.create_table(
        "runs",
        sa.Column("run_id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("host", sa.String, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("params", sa.JSON),
        sa.Column("counts", sa.JSON),
        sa.Column("error", sa.Text),
        sa.PrimaryKeyConstraint("run_id", name="pk_runs"),
        sa.CheckConstraint(
            "status IN ('running', 'succeeded', 'failed')", name="ck_runs_status"
        ),
    )
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_table(
        "model_versions",
        sa.Column("name", sa.String, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("trained_at", sa.DateTime, nullable=False),
        sa.Column("train_start", sa.DateTime, nullable=False),
        sa.Column("train_end", sa.DateTime, nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("artifact", sa.String, nullable=False),
        sa.Column("artifact_sha256", sa.String, nullable=False),
        sa.Column("library_versions", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("name", "version", name="pk_model_versions"),
        sa.CheckConstraint("version >= 1", name="ck_model_versions_version_positive"),
        sa.CheckConstraint("train_start <= train_end", name="ck_model_versions_train_window"),
    )


def downgrade() -> None:
    for table in ("model_versions", "runs", "users", "ops_meta", "audit_log",
                  "campaign_assignments", "campaigns", "rules"):
        op.drop_table(table)
