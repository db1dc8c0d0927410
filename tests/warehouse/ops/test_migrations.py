"""The shipped migrations build exactly the schema the code queries, once, on both backends."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from tests.support.ops_store import StoreCase
from warehouse.ops import ops_engine, ops_transaction
from warehouse.ops.engine import create_ops_engine
from warehouse.ops.migrate import VERSION_TABLE, current_revision, head_revision, upgrade
from warehouse.ops.schema import audit_log, campaign_assignments, campaigns, metadata

EXPECTED_TABLES = {"rules", "campaigns", "campaign_assignments", "audit_log", "ops_meta", "users",
                   "runs", "model_versions", "campaign_imports", "campaign_import_outcomes",
                   "campaign_import_rejects", "sessions", "sign_in_failures", "outbox",
                   VERSION_TABLE}


def test_opening_a_new_store_creates_every_table_at_the_newest_version(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) == EXPECTED_TABLES
    assert current_revision(engine) == head_revision() == "0005"


def test_the_migrated_database_matches_the_schema_module(engine: Engine) -> None:
    with ops_transaction(engine, readonly=True) as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_upgrading_a_current_store_again_changes_nothing(store: StoreCase) -> None:
    engine = ops_engine(store.url)
    before = inspect(engine).get_table_names()
    upgrade(engine)
    assert inspect(engine).get_table_names() == before
    assert current_revision(engine) == head_revision()


def test_the_engine_is_created_once_per_url_and_process(store: StoreCase) -> None:
    assert ops_engine(store.url) is ops_engine(store.url)


def _campaign(campaign_id: str, source: str, **values: object) -> dict:
    return {"campaign_id": campaign_id, "name": "n", "control_share": 0.2,
            "launched_at": datetime(2015, 8, 1), "ends_at": datetime(2015, 8, 29),
            "audience_size": 2, "source": source, **values}


def test_campaigns_stored_before_the_clock_keep_their_assignments_and_get_their_clock(
    store: StoreCase,
) -> None:
    engine = create_ops_engine(store.url)
    try:
        upgrade(engine, "0001")
        with ops_transaction(engine) as connection:  # as the store held them before 0002
            for campaign_id, source in (("c-20150801-1", "board"), ("demo-1", "demo")):
                connection.execute(text(
                    "INSERT INTO campaigns (campaign_id, name, control_share, launched_at, "
                    "ends_at, audience_size, source) VALUES (:id, 'n', 0.2, :at, :at, 2, :source)"
                ), {"id": campaign_id, "at": datetime(2015, 8, 1), "source": source})
                connection.execute(text(
                    "INSERT INTO campaign_assignments (campaign_id, customer_id, group_name) "
                    "VALUES (:id, 'a', 'treatment'), (:id, 'b', 'control')"), {"id": campaign_id})
        upgrade(engine)  # SQLite rebuilds campaigns here: the assignments must not cascade away
        with ops_transaction(engine, readonly=True) as connection:
            clocks = connection.execute(select(campaigns.c.campaign_id, campaigns.c.clock)
                                        .order_by(campaigns.c.campaign_id)).all()
            kept = connection.execute(select(campaign_assignments.c.campaign_id)).scalars().all()
        assert [tuple(row) for row in clocks] == [("c-20150801-1", "wall"), ("demo-1", "given")]
        assert sorted(kept) == ["c-20150801-1"] * 2 + ["demo-1"] * 2
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


@pytest.mark.parametrize(("values", "accepted"), [
    ({"source": "daily_list", "clock": "data"}, True),
    ({"source": "push", "clock": "wall"}, True),
    ({"source": "somewhere", "clock": "wall"}, False),
    ({"source": "board", "clock": "sundial"}, False),
    ({"source": "board", "clock": None}, False),
])
def test_the_store_checks_a_campaigns_source_and_clock(
    engine: Engine, values: dict, accepted: bool
) -> None:
    row = _campaign("c-1", **values)
    if accepted:
        with ops_transaction(engine) as connection:
            connection.execute(insert(campaigns).values(**row))
        return
    with pytest.raises(IntegrityError), ops_transaction(engine) as connection:
        connection.execute(insert(campaigns).values(**row))


def test_audit_rows_from_before_sign_in_are_kept_and_the_new_events_accepted(
    store: StoreCase,
) -> None:
    engine = create_ops_engine(store.url)
    try:
        upgrade(engine, "0003")
        with ops_transaction(engine) as connection:
            connection.execute(text(
                "INSERT INTO audit_log (logged_at, user_name, event, campaign_id, row_count) "
                "VALUES (:at, 'ana', 'launch', 'c-1', 12), (:at, 'cli', 'export', 'c-1', 3)"
            ), {"at": datetime(2015, 8, 1)})
        upgrade(engine)  # SQLite rebuilds audit_log here
        with ops_transaction(engine) as connection:
            connection.execute(insert(audit_log).values(
                logged_at=datetime(2015, 8, 2), user_name="admin", event="user_change"))
            connection.execute(insert(audit_log).values(
                logged_at=datetime(2015, 8, 2), user_name="ana", event="sign_out"))
        with ops_transaction(engine, readonly=True) as connection:
            rows = connection.execute(select(audit_log.c.user_name, audit_log.c.event,
                                             audit_log.c.row_count)
                                      .order_by(audit_log.c.audit_id)).all()
        assert [tuple(row) for row in rows] == [
            ("ana", "launch", 12), ("cli", "export", 3), ("admin", "user_change", None),
            ("ana", "sign_out", None)]
        with pytest.raises(IntegrityError), ops_transaction(engine) as connection:
            connection.execute(insert(audit_log).values(
                logged_at=datetime(2015, 8, 2), user_name="ana", event="tea_break"))
    finally:
        engine.dispose()
