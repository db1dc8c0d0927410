"""A private operational store in a SQLite file, for replays: the daily list's backtest keeps
the versions it trains and the runs of its replays there, never in the real store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from warehouse.ops.engine import create_ops_engine
from warehouse.ops.migrate import upgrade


@contextmanager
def scratch_store(path: Path) -> Iterator[Engine]:
    """An engine on a store in the SQLite file ``path`` (created, schema current), whatever
    ``$ACTIONBOARD_OPS_URL`` says; disposed on exit."""
    url = URL.create("sqlite", database=str(path))
    engine = create_ops_engine(url.render_as_string(hide_password=False))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
