"""Sign-in: server-side sessions, failed sign-ins for slowing guessers down, and the audit log's
user changes and sign-outs.

``sessions`` holds one row per signed-in browser: the SHA-256 of its random token (the cookie
holds the token; a copy of this table signs nobody in), its user (a removed user's sessions go
with it) and when it expires. ``sign_in_failures`` keeps the failed sign-ins of the last minutes
by the name tried and the client's address. ``audit_log.event`` accepts 'user_change' (a user
added, given a role or a password, removed) and 'sign_out'.

Written out in full (see 0001). The event CHECK constraint 0001 made is named
``ck_audit_log_ck_audit_log_event`` (its name went through the naming convention twice, see 0002);
this step replaces it by ``ck_audit_log_event``, the schema module's name. SQLite changes it by
rebuilding ``audit_log``, described by ``_audit_log`` (the table as 0001 made it) rather than
reflected.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_EVENTS = "event IN ('sign_in', 'rule_change', 'launch', 'export', 'send')"
OLD_EVENT_NAME = "ck_audit_log_ck_audit_log_event"  # as 0001 made it (see 0002)
NEW_EVENTS = ("event IN ('sign_in', 'rule_change', 'launch', 'export', 'send', 'user_change', "
              "'sign_out')")


def _audit_log(event_check: str, event_name: str) -> sa.Table:
    return sa.Table(
        "audit_log",
        sa.MetaData(),
        sa.Column("audit_id", sa.Integer, nullable=False),
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
        sa.CheckConstraint(event_check, name=event_name),
        sa.Index("ix_audit_log_logged_at", "logged_at"),
    )


def upgrade() -> None:
    before = _audit_log(OLD_EVENTS, OLD_EVENT_NAME)
    with op.batch_alter_table("audit_log", copy_from=before) as batch:
        batch.drop_constraint(op.f(OLD_EVENT_NAME), type_="check")
        batch.create_check_constraint(op.f("ck_audit_log_event"), sa.text(NEW_EVENTS))
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("address", sa.String),
        sa.PrimaryKeyConstraint("token_hash", name="pk_sessions"),
        sa.ForeignKeyConstraint(["user_id"], ["users.user_id"], ondelete="CASCADE",
                                name="fk_sessions_user_id_users"),
    )
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])
    op.create_table(
        "sign_in_failures",
        sa.Column("failure_id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("address", sa.String, nullable=False),
        sa.Column("failed_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("failure_id", name="pk_sign_in_failures"),
    )
    op.create_index("ix_sign_in_failures_failed_at", "sign_in_failures", ["failed_at"])


def downgrade() -> None:
    op.drop_table("sign_in_failures")
    op.drop_table("sessions")
    op.execute(f"DELETE FROM audit_log WHERE NOT ({OLD_EVENTS})")  # noqa: S608 -- a constant
    after = _audit_log(NEW_EVENTS, "ck_audit_log_event")
    with op.batch_alter_table("audit_log", copy_from=after) as batch:
        batch.drop_constraint(op.f("ck_audit_log_event"), type_="check")
        batch.create_check_constraint(op.f(OLD_EVENT_NAME), sa.text(OLD_EVENTS))
