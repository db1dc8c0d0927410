"""The operational store's tables: what users and jobs write, one row per fact.

SQLAlchemy Core tables, the same on SQLite and PostgreSQL. This module is the current schema that
code queries; the Alembic migrations in ``migrations/versions`` create it step by step, and a
test checks the two agree. Changing a table means adding a migration.

Conventions: timestamps are naive UTC (``*_at``), JSON columns hold small documents (parameters,
counts, metrics), enumerations are checked by the database. ``rules``, ``campaigns``,
``campaign_assignments``, ``audit_log`` and ``ops_meta`` keep the columns of the DuckDB store they
replace, so rows copy across unchanged (``campaigns.clock`` is filled in, as migration 0002 fills
it).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

# Named constraints, so later migrations can alter them (SQLite rebuilds tables by name).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("viewer", "analyst", "campaign_owner", "admin")
AUDIT_EVENTS = ("sign_in", "rule_change", "launch", "export", "send", "user_change", "sign_out")
RUN_STATUSES = ("running", "succeeded", "failed")
GROUP_NAMES = ("treatment", "control")
# Where a campaign's audience came from: a rule on the Action board, the demo's past campaign,
# a list a user imported, and the pages and jobs that launch explicit audiences.
CAMPAIGN_SOURCES = ("board", "demo", "import", "daily_list", "uplift", "decline_risk", "push")
# Which clock dated a launch: the wall clock (current data), the end of the data (a warehouse of
# past data), or a date the caller gave (imported campaigns, backfills).
CAMPAIGN_CLOCKS = ("wall", "data", "given")
# A push message's state in the outbox: waiting, delivered to the provider, refused by it, or
# not sent on purpose (the customer refused pushes after the launch).
OUTBOX_STATUSES = ("queued", "sent", "failed", "skipped")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


metadata = MetaData(naming_convention=NAMING_CONVENTION)

rules = Table(
    "rules",
    metadata,
    Column("rule_id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
    Column("priority", Integer, nullable=False),  # 1 = highest, kept 1..n without gaps
    Column("conditions", Text, nullable=False),  # JSON list, see warehouse.rules
    Column("action", String, nullable=False),
    Column("channel", String, nullable=False),
    Column("offer", String, nullable=False),
    Column("kpi", String, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("campaign_id", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("rule_id", Integer),  # no foreign key: a campaign outlives its rule
    Column("rule_name", String),
    Column("action", String),
    Column("channel", String),
    Column("offer", String),
    Column("kpi", String),
    Column("control_share", Double, nullable=False),
    Column("salt", String),
    Column("launched_at", DateTime, nullable=False),
    Column("ends_at", DateTime, nullable=False),
    Column("audience_size", BigInteger, nullable=False),
    Column("source", String, nullable=False),
    Column("clock", String, nullable=False),  # added by migration 0002
    CheckConstraint(_one_of("source", CAMPAIGN_SOURCES), name="source"),
    CheckConstraint(_one_of("clock", CAMPAIGN_CLOCKS), name="clock"),
)

campaign_assignments = Table(
    "campaign_assignments",
    metadata,
    Column(
        "campaign_id",
        String,
        ForeignKey("campaigns.campaign_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("customer_id", String, nullable=False),
    Column("group_name", String, nullable=False),  # never changed after launch
    Column("segment", String),
    Column("clv_amount", Double),
    PrimaryKeyConstraint("campaign_id", "customer_id"),
    CheckConstraint(_one_of("group_name", GROUP_NAMES), name="group_name"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", Integer, primary_key=True),
    Column("logged_at", DateTime, nullable=False),
    Column("user_name", String),  # NULL for rows from before sign-in existed
    Column("event", String, nullable=False),
    Column("campaign_id", String),  # launches and campaign exports and sends
    Column("segment", String),  # segment exports
    Column("rule_id", Integer),  # rule changes
    Column("group_name", String),
    Column("row_count", BigInteger),
    Column("file_name", String),
    Column("detail", Text),  # free text or JSON: what changed, why a sign-in failed
    CheckConstraint(_one_of("event", AUDIT_EVENTS), name="event"),
    Index("ix_audit_log_logged_at", "logged_at"),
)

ops_meta = Table(
    "ops_meta",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Text),
)

users = Table(
    "users",
    metadata,
    Column("user_id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
    Column("role", String, nullable=False),
    Column("password_hash", String, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("is_disabled", Boolean, nullable=False, server_default=false()),
    CheckConstraint(_one_of("role", ROLES), name="role"),
)

# One row per signed-in browser (migration 0004): the SHA-256 of the random token its cookie
# holds, never the token itself; a removed user's sessions go with the user.
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("address", String),  # the client's address at sign-in
    Index("ix_sessions_expires_at", "expires_at"),
)

# Failed sign-ins of the last minutes, by the name tried and the client's address: what slows
# down guessing (``warehouse.commands.sign_in``).
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("failure_id", Integer, primary_key=True),
    Column("name", String, nullable=False),
    Column("address", String, nullable=False),
    Column("failed_at", DateTime, nullable=False),
    Index("ix_sign_in_failures_failed_at", "failed_at"),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", Integer, primary_key=True),
    Column("kind", String, nullable=False),  # refresh, ingest, a job's name
    Column("status", String, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("host", String, nullable=False),  # with pid: is the process still there?
    Column("pid", Integer, nullable=False),
    Column("params", JSON(none_as_null=True)),
    Column("counts", JSON(none_as_null=True)),
    Column("error", Text),
    CheckConstraint(_one_of("status", RUN_STATUSES), name="status"),
    Index("ix_runs_started_at", "started_at"),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("name", String, nullable=False),
    Column("version", Integer, nullable=False),  # 1, 2, … per name
    Column("trained_at", DateTime, nullable=False),
    Column("train_start", DateTime, nullable=False),
    Column("train_end", DateTime, nullable=False),
    Column("params", JSON, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("artifact", String, nullable=False),  # path relative to the models folder
    Column("artifact_sha256", String, nullable=False),
    Column("library_versions", JSON, nullable=False),  # {"python": "3.11.9", ...}
    PrimaryKeyConstraint("name", "version"),
    CheckConstraint("version >= 1", name="version_positive"),
    CheckConstraint("train_start <= train_end", name="train_window"),
)

# Campaigns run outside the product whose results a user loaded (``ingest-campaign``, the Uplift
# page): the load, each customer's outcome and the file's own columns, and the rows refused
# (added by migration 0003). The campaign itself is a ``campaigns`` row with its assignments.
campaign_imports = Table(
    "campaign_imports",
    metadata,
    Column(
        "campaign_id",
        String,
        ForeignKey("campaigns.campaign_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("file_name", String, nullable=False),
    Column("imported_at", DateTime, nullable=False),
    Column("user_name", String, nullable=False),
    Column("rows_read", BigInteger, nullable=False),
    Column("rows_loaded", BigInteger, nullable=False),
    Column("rows_duplicate", BigInteger, nullable=False),  # exact copies of an earlier line
    Column("rows_rejected", BigInteger, nullable=False),
    Column("has_revenue", Boolean, nullable=False),
    Column("feature_columns", JSON, nullable=False),  # [{"name": ..., "type": "number"|"text"}]
)

campaign_import_outcomes = Table(
    "campaign_import_outcomes",
    metadata,
    Column(
        "campaign_id",
        String,
        ForeignKey("campaigns.campaign_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("customer_id", String, nullable=False),
    Column("is_converted", Boolean, nullable=False),
    Column("revenue_amount", Double),  # NULL when the file has no revenue column
    Column("features", Text),  # the file's own columns of this row, a JSON object
    PrimaryKeyConstraint("campaign_id", "customer_id"),
)

campaign_import_rejects = Table(
    "campaign_import_rejects",
    metadata,
    Column(
        "campaign_id",
        String,
        ForeignKey("campaigns.campaign_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("line_number", BigInteger, nullable=False),  # 1-based; line 1 is the header
    Column("reason", Text, nullable=False),
    Column("raw_line", Text),
    PrimaryKeyConstraint("campaign_id", "line_number"),
)

# One row per push message of a campaign's treatment group (migration 0005), written in the
# launch's transaction; the hold-out has none. The sender delivers 'queued' rows whose
# ``not_before`` (naive UTC: the end of the quiet hours the launch fell in) has passed, and writes
# back the status, attempts and the provider's answer. ``idempotency_key`` names the message to the
# provider, the same on every retry and re-run, so a provider that saw it once drops copies.
outbox = Table(
    "outbox",
    metadata,
    Column("message_id", Integer, primary_key=True),
    Column(
        "campaign_id",
        String,
        ForeignKey("campaigns.campaign_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("customer_id", String, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("deep_link", Text),
    Column("status", String, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("queued_at", DateTime, nullable=False),
    Column("not_before", DateTime, nullable=False),
    Column("last_attempt_at", DateTime),
    Column("provider_response", Text),
    Column("idempotency_key", String, nullable=False, unique=True),
    CheckConstraint(_one_of("status", OUTBOX_STATUSES), name="status"),
    CheckConstraint("attempts >= 0", name="attempts"),
    UniqueConstraint("campaign_id", "customer_id"),
    Index("ix_outbox_status", "status", "not_before"),
)
