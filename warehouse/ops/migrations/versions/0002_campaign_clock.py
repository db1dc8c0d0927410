"""Campaigns record which clock dated their launch, and launches come from more sources.

``campaigns.clock``: 'wall' (the time of the launch), 'data' (the end of the data of a warehouse
of past data) or 'given' (a date the caller set: imported campaigns). Campaigns stored before
this step were dated by the wall clock when launched from the board and by their file when
imported, so they are filled in that way. ``campaigns.source`` accepts the pages and jobs that
launch explicit audiences: 'import', 'daily_list', 'uplift', 'decline_risk', 'push'.

Written out in full (see 0001); constraint names are given whole (``op.f``), not through the
schema's naming convention. 0001's CHECK constraints went through that convention twice, so the
source check it made is ``ck_campaigns_ck_campaigns_source``; this step replaces it by
``ck_campaigns_source``, the name the schema module gives it.

SQLite changes a CHECK constraint by rebuilding the table; the rebuild is described by
``_campaigns`` (the table as 0001 made it, plus the new column) rather than reflected, and runs
with foreign keys unenforced so the assignments stay (``warehouse.ops.engine.schema_transaction``).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OLD_SOURCES = "source IN ('board', 'demo')"
OLD_SOURCE_NAME = "ck_campaigns_ck_campaigns_source"  # as 0001 made it
NEW_SOURCES = ("source IN ('board', 'demo', 'import', 'daily_list', 'uplift', 'decline_risk', "
               "'push')")
CLOCKS = "clock IN ('wall', 'data', 'given')"


def _campaigns(source_check: str, source_name: str, *,
               clock_check: str | None = None) -> sa.Table:
    """``campaigns`` as 0001 created it with the ``clock`` column added: nullable while it is
    filled in (upgrade), or checked (downgrade)."""
    checks = [] if clock_check is None else [sa.CheckConstraint(clock_check,
                                                                name="ck_campaigns_clock")]
    return sa.Table(
        "campaigns",
        sa.MetaData(),
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
        sa.Column("clock", sa.String, nullable=clock_check is None),
        sa.PrimaryKeyConstraint("campaign_id", name="pk_campaigns"),
        sa.CheckConstraint(source_check, name=source_name),
        *checks,
    )


def upgrade() -> None:
    op.add_column("campaigns", sa.Column("clock", sa.String))
    op.execute("UPDATE campaigns SET clock = CASE WHEN source = 'demo' THEN 'given' "
               "ELSE 'wall' END")
    before = _campaigns(OLD_SOURCES, OLD_SOURCE_NAME)
    with op.batch_alter_table("campaigns", copy_from=before) as batch:
        batch.alter_column("clock", existing_type=sa.String, nullable=False)
        batch.drop_constraint(op.f(OLD_SOURCE_NAME), type_="check")
        batch.create_check_constraint(op.f("ck_campaigns_source"), sa.text(NEW_SOURCES))
        batch.create_check_constraint(op.f("ck_campaigns_clock"), sa.text(CLOCKS))


def downgrade() -> None:
    op.execute(f"DELETE FROM campaigns WHERE NOT ({OLD_SOURCES})")  # noqa: S608 -- a constant
    after = _campaigns(NEW_SOURCES, "ck_campaigns_source", clock_check=CLOCKS)
    with op.batch_alter_table("campaigns", copy_from=after) as batch:
        batch.drop_constraint(op.f("ck_campaigns_clock"), type_="check")
        batch.drop_constraint(op.f("ck_campaigns_source"), type_="check")
        batch.create_check_constraint(op.f(OLD_SOURCE_NAME), sa.text(OLD_SOURCES))
        batch.drop_column("clock")
