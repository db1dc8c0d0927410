"""The push outbox: one row per message of a push campaign's treatment group, with its delivery
state (queued, sent, failed, skipped), attempts, the provider's answer, the idempotency key that
names it to the provider, and the earliest time it may go out (quiet hours). Rows go with their
campaign.

Written out in full (see 0001).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("message_id", sa.Integer, nullable=False),
        sa.Column("campaign_id", sa.String, nullable=False),
        sa.Column("customer_id", sa.String, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("deep_link", sa.Text),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("queued_at", sa.DateTime, nullable=False),
        sa.Column("not_before", sa.DateTime, nullable=False),
        sa.Column("last_attempt_at", sa.DateTime),
        sa.Column("provider_response", sa.Text),
        sa.Column("idempotency_key", sa.String, nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_outbox"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.campaign_id"], ondelete="CASCADE",
                                name="fk_outbox_campaign_id_campaigns"),
        sa.UniqueConstraint("campaign_id", "customer_id", name="uq_outbox_campaign_id"),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed', 'skipped')",
                           name="ck_outbox_status"),
        sa.CheckConstraint("attempts >= 0", name="ck_outbox_attempts"),
    )
    op.create_index("ix_outbox_status", "outbox", ["status", "not_before"])


def downgrade() -> None:
    op.drop_table("outbox")
