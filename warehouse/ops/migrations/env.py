"""Alembic environment of the operational store.

Migrations run only through ``warehouse.ops.migrate.upgrade``, which hands over a connection that
already holds the store's write lock inside an open transaction; Alembic then runs every pending
step in that transaction (see ``migrate.py`` for why).
"""

from __future__ import annotations

from alembic import context

from warehouse.ops.migrate import VERSION_TABLE
from warehouse.ops.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "the operational store's migrations run through warehouse.ops.migrate.upgrade(engine), "
        "which passes them a locked connection; the alembic command line is not set up"
    )
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,  # SQLite alters a table by rebuilding it
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
