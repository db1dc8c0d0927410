"""Many threads and several processes read and write the store at once, without an error."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, func, select

from tests.support.legacy_ops import legacy_rows, write_legacy_store
from tests.support.ops_store import StoreCase
from tests.support.ops_workers import (
    COUNTER_KEY,
    create_counter,
    open_and_write,
    pooled_connections_after_fork,
    write_once,
)
from warehouse.ops import ops_engine, ops_transaction
from warehouse.ops.schema import audit_log, ops_meta, rules

THREADS = 16
WRITES_PER_THREAD = 25
PROCESSES = 2
WRITES_PER_PROCESS = 50


def _count_and_counter(engine: Engine, writer_prefix: str) -> tuple[int, int]:
    with ops_transaction(engine, readonly=True) as connection:
        written = connection.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.user_name.startswith(writer_prefix))).scalar()
        counter = connection.execute(
            select(ops_meta.c.value).where(ops_meta.c.key == COUNTER_KEY)).scalar()
    return written, int(counter)


def test_threads_writing_at_once_all_succeed_and_no_increment_is_lost(engine: Engine) -> None:
    create_counter(engine)

    def work(thread: int) -> None:
        for number in range(WRITES_PER_THREAD):
            write_once(engine, f"thread-{thread}", number)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))  # re-raises the first error, if any
    total = THREADS * WRITES_PER_THREAD
    assert _count_and_counter(engine, "thread-") == (total, total)


def test_processes_opening_a_new_store_at_once_migrate_import_and_write_once(
    store: StoreCase,
) -> None:
    legacy = write_legacy_store(store.db)
    legacy_audit = len(legacy_rows(legacy, "audit_log"))
    legacy_rules = len(legacy_rows(legacy, "rules"))
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    processes = [
        context.Process(target=open_and_write,
                        args=(store.db, store.url, f"process-{n}", WRITES_PER_PROCESS, barrier))
        for n in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * PROCESSES
    engine = ops_engine(store.url)
    with ops_transaction(engine, readonly=True) as connection:
        total_audit = connection.execute(select(func.count()).select_from(audit_log)).scalar()
        total_rules = connection.execute(select(func.count()).select_from(rules)).scalar()
    assert total_rules == legacy_rules
    assert total_audit == legacy_audit + PROCESSES * WRITES_PER_PROCESS
    assert not legacy.exists()


def test_a_forked_worker_drops_the_connections_it_inherited(engine: Engine) -> None:
    write_once(engine, "parent", 0, count=False)  # the parent now has pooled connections
    assert engine.pool.checkedin() > 0
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=pooled_connections_after_fork, args=(engine, queue))
    child.start()
    child.join(timeout=60)
    assert (child.exitcode, queue.get(timeout=5)) == (0, 0)
    write_once(engine, "parent", 1, count=False)  # and the parent's still work
