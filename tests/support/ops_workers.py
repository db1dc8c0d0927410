"""Writers for the concurrency tests: each call is one transaction of the kind the server makes.

Module-level functions, so a spawned process can import them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from warehouse.ops import ops_store, ops_transaction
from warehouse.ops.schema import audit_log, ops_meta

COUNTER_KEY = "test_counter"


def create_counter(engine: Engine) -> None:
    with ops_transaction(engine) as connection:
        connection.execute(insert(ops_meta).values(key=COUNTER_KEY, value="0"))


def write_once(engine: Engine, writer: str, number: int, *, count: bool = True) -> None:
    """Append an audit row in one transaction, then read the audit log's size in another.

    With ``count``, the write transaction first reads the counter made by ``create_counter`` and
    later stores that value + 1 (read, then write, as commands number new rows): any two
    writers interleaving would lose an increment or fail.
    """
    with ops_transaction(engine) as connection:
        value = None
        if count:
            value = int(connection.execute(
                select(ops_meta.c.value).where(ops_meta.c.key == COUNTER_KEY)).scalar_one())
        connection.execute(insert(audit_log).values(
            logged_at=datetime(2026, 1, 1), user_name=writer, event="export",
            segment="Champions", row_count=number))
        if value is not None:
            connection.execute(update(ops_meta).where(ops_meta.c.key == COUNTER_KEY)
                               .values(value=str(value + 1)))
    with ops_transaction(engine, readonly=True) as connection:
        connection.execute(select(func.count()).select_from(audit_log)).one()


def open_and_write(db: Path, url: str, writer: str, writes: int, barrier: Any) -> None:
    """In a new process: wait for the others, open the (new) store, write ``writes`` times."""
    barrier.wait(timeout=60)
    engine = ops_store(db, url)
    for number in range(writes):
        write_once(engine, writer, number, count=False)


def pooled_connections_after_fork(engine: Engine, queue: Any) -> None:
    """In a forked child: report how many of the parent's pooled connections it still holds."""
    queue.put(engine.pool.checkedin())
