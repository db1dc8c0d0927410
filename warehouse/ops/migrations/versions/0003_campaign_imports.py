"""Results of campaigns run outside the product: the load, each customer's outcome, refused rows.

``campaign_imports`` (one row per imported campaign: the file, who loaded it when, row counts,
whether it has revenue, its own columns), ``campaign_import_outcomes`` (one row per customer:
converted, revenue, the file's own columns as a JSON object) and ``campaign_import_rejects`` (the
file's lines that were refused, with the reason). Each row belongs to a ``campaigns`` row and goes
with it.

Written out in full (see 0001).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _campaign_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.campaign_id"],
                                   name=f"fk_{table}_campaign_id_campaigns", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "campaign_imports",
        sa.Column("campaign_id", sa.String, nullable=False),
        sa.Column("file_name", sa.String, nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("user_name", sa.String, nullable=False),
        sa.Column("rows_read", sa.BigInteger, nullable=False),
        sa.Column("rows_loaded", sa.BigInteger, nullable=False),
        sa.Column("rows_duplicate", sa.BigInteger, nullable=False),
        sa.Column("rows_rejected", sa.BigInteger, nullable=False),
        sa.Column("has_revenue", sa.Boolean, nullable=False),
        sa.Column("feature_columns", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", name="pk_campaign_imports"),
        _campaign_key("campaign_imports"),
    )
    op.create_table(
        "campaign_import_outcomes",
        sa.Column("campaign_id", sa.String, nullable=False),
        sa.Column("customer_id", sa.String, nullable=False),
        sa.Column("is_converted", sa.Boolean, nullable=False),
        sa.Column("revenue_amount", sa.Double),
        sa.Column("features", sa.Text),
        sa.PrimaryKeyConstraint("campaign_id", "customer_id",
                                name="pk_campaign_import_outcomes"),
        _campaign_key("campaign_import_outcomes"),
    )
    op.create_table(
        "campaign_import_rejects",
        sa.Column("campaign_id", sa.String, nullable=False),
        sa.Column("line_number", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw_line", sa.Text),
        sa.PrimaryKeyConstraint("campaign_id", "line_number", name="pk_campaign_import_rejects"),
        _campaign_key("campaign_import_rejects"),
    )


def downgrade() -> None:
    for table in ("campaign_import_rejects", "campaign_import_outcomes", "campaign_imports"):
        op.drop_table(table)
