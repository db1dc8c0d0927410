"""Every test here runs on SQLite and on PostgreSQL (see ``tests/support/ops_store.py``)."""

from tests.support.ops_store import engine, store

__all__ = ["engine", "store"]
