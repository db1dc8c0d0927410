"""The shipped migrations build exactly the schema the code queries, once, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from tests.support.ops_store import StoreCase
from warehouse.ops import ops_engine, ops_transaction
from warehouse.ops.migrate import VERSION_TABLE, current_revision, head_revision, upgrade
from warehouse.ops.schema import metadata

EXPECTED_TABLES = {"rules", "campaigns", "campaign_assignments", "audit_log", "ops_meta", "users",
                   "runs", "model_versions", VERSION_TABLE}


def test_opening_a_new_store_creates_every_table_at_the_newest_version(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) == EXPECTED_TABLES
    assert current_revision(engine) == head_revision() == "0001"


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
