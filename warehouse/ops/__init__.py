"""The operational store: what users and jobs write, on SQLite (default) or PostgreSQL.

    engine = ops_store(db)                      # or ops_engine(ops_url(db, url))
    with ops_transaction(engine) as con:        # one transaction, committed at the end
        con.execute(insert(schema.audit_log).values(...))

Tables are in ``warehouse.ops.schema``; the schema is migrated by Alembic on first open.
"""

from warehouse.ops.engine import OPS_URL_ENV_VAR, ops_transaction, ops_url, sqlite_path
from warehouse.ops.legacy import LegacyStoreError
from warehouse.ops.store import dispose_engines, ops_engine, ops_store, ops_store_exists

__all__ = [
    "OPS_URL_ENV_VAR",
    "LegacyStoreError",
    "dispose_engines",
    "ops_engine",
    "ops_store",
    "ops_store_exists",
    "ops_transaction",
    "ops_url",
    "sqlite_path",
]
