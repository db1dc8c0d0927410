"""Bring a store's schema to the newest version with the Alembic migrations shipped here.

Runs in code, not from an ``alembic.ini``: the package carries its migrations and every process
upgrades the store it opens. All pending steps run in one write transaction, which holds the store's
writer lock, so when two processes open a new store at once the second waits, then finds the
schema current and does nothing. PostgreSQL and SQLite both roll DDL back with the transaction, so
a failed step leaves the previous version. On SQLite the transaction runs with foreign keys
unenforced and checked before the commit (``schema_transaction``): a step that rebuilds a parent
table must not cascade-delete its children.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from warehouse.ops.engine import describe, ops_transaction, schema_transaction

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Not Alembic's default name, so a PostgreSQL database shared with another application keeps
# the two version records apart.
VERSION_TABLE = "ops_schema_version"

log = logging.getLogger(__name__)


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest migration shipped with this code."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The store's schema version (None for an empty database)."""
    with ops_transaction(engine, readonly=True) as connection:
        context = MigrationContext.configure(connection,
                                             opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every pending migration up to ``revision`` (tests stop earlier) to the store behind
    ``engine``, under its lock."""
    config = _config()
    with schema_transaction(engine) as connection:  # a writer: other openers wait here
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    log.debug("operational store %s at schema %s", describe(str(engine.url)), revision)


def new_revision(engine: Engine, message: str) -> None:
    """Write a migration for the difference between ``schema.py`` and a store at head (a
    development aid: review and complete the generated file before committing it)."""
    config = _config()
    with ops_transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
