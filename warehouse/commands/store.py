"""The operational store's engine, for jobs: ``runs.record_run`` and ``model_registry`` take it.

Jobs (the decline model, …) reach the store through the command side as pages do; only the
command side imports ``warehouse.ops``.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from warehouse.ops import ops_store


def store_engine(db: Path, *, ops_url: str | None = None) -> Engine:
    """The engine of warehouse ``db``'s operational store (``ops_url``, else
    ``$ACTIONBOARD_OPS_URL``, else the SQLite file beside ``db``), its schema current."""
    return ops_store(db, ops_url)
