"""Build a snapshot from the warehouse and publish it atomically.

Each refresh writes a NEW snapshot file (``warehouse/snapshots.py``), so the dashboard keeps
reading the previous one until ``CURRENT`` is switched, and a failed refresh changes nothing.
The warehouse is attached read-only as ``raw``; the staging views over it are temporary. Then the
registered steps (``warehouse/pipeline/steps/``) run in the order their declarations give
(``warehouse/pipeline/registry.py``): SQL models, model steps, ``customers``, segment snapshots,
campaign outcomes, the field catalogue. Scratch tables are dropped, so the published file holds
only marts, model tables and views over them, and opens on its own.
"""

from __future__ import annotations

import logging
import resource
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from tqdm import tqdm

import warehouse.pipeline.steps  # noqa: F401 -- registers every step into REGISTRY
from warehouse.connections import LOCK_WAIT_SECONDS, MEMORY_LIMIT, retry_on_lock
from warehouse.ingest.raw import price_property
from warehouse.paths import check_warehouse_path
from warehouse.pipeline.context import RefreshContext
from warehouse.pipeline.defaults import (
    DEFAULT_CLV_DISCOUNT_RATE,
    DEFAULT_CLV_HORIZON_MONTHS,
    DEFAULT_GRANULARITY,
)
from warehouse.pipeline.registry import REGISTRY, Step, StepRegistry
from warehouse.snapshots import discard_snapshot, new_snapshot_path, publish_snapshot
from warehouse.sql.runner import build_staging_views

RAW_TABLES = ("events", "item_properties", "category_tree", "orders", "settings")
ATTACH_WAIT_SECONDS = LOCK_WAIT_SECONDS
NOTHING_TO_REFRESH = "nothing to refresh: load data first with python app.py ingest DIR"

log = logging.getLogger(__name__)


def refresh(
    db: Path,
    as_of: date | None = None,
    progress: bool = True,
    *,
    granularity: str = DEFAULT_GRANULARITY,
    clv_horizon_months: int = DEFAULT_CLV_HORIZON_MONTHS,
    clv_discount_rate: float = DEFAULT_CLV_DISCOUNT_RATE,
    registry: StepRegistry = REGISTRY,
    ops_url: str | None = None,
) -> Path:
    """Rebuild marts and models as of ``as_of`` (default: the last day with data) and publish them.

    Returns the published snapshot's path. With ``progress`` a progress bar and a summary (as-of
    date, rows per mart, seconds) are printed. Raises FileNotFoundError without a warehouse,
    ValueError when there is nothing to refresh, WarehouseBusyError if an ingest holds the lock,
    StepOrderError when the steps' declarations cannot run. ``registry`` holds the steps to run;
    campaigns are read from the operational store at ``ops_url`` (see ``warehouse.ops.ops_url``).
    """
    db = check_warehouse_path(Path(db))
    if not db.exists():
        raise FileNotFoundError(
            f"No warehouse at {db}. Load data first: python app.py ingest DIR --db {db}"
        )
    steps = registry.ordered()  # refuses impossible declarations before any work
    published_fields = tuple((step.name, field) for step, field in registry.fields())
    started = time.perf_counter()
    building = new_snapshot_path(db)
    log.info("refreshing %s into %s", db, building.name)
    try:
        con = duckdb.connect(str(building), config={"memory_limit": MEMORY_LIMIT})
        try:
            ctx = replace(
                _prepare(con, db, building, as_of),
                granularity=granularity,
                clv_horizon_months=clv_horizon_months,
                clv_discount_rate=clv_discount_rate,
                published_fields=published_fields,
                ops_url=ops_url,
            )
            seconds = _run_steps(con, ctx, steps, progress)
            summary = _summary_lines(con, ctx, steps, seconds)
            for step in steps:
                for table in step.scratch:
                    con.execute(f"DROP TABLE {table}")  # an identifier checked by Step
            con.execute("DETACH raw")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        published = publish_snapshot(db, building)
    except BaseException:
        log.warning("refresh of %s failed; the published snapshot stays current", db)
        discard_snapshot(building)
        raise
    if progress:
        print(f"Refreshed in {time.perf_counter() - started:.1f} s: " + "\n".join(summary))
    else:  # the summary names them otherwise
        for warning in ctx.warnings:
            log.warning("refresh: %s", warning)
    return published


def _prepare(
    con: duckdb.DuckDBPyConnection, db: Path, building: Path, as_of: date | None
) -> RefreshContext:
    """Attach the warehouse, fix the as-of date and cut-off, and create the staging views."""
    _attach_warehouse(con, db)
    missing = [table for table in RAW_TABLES if table not in _raw_tables(con)]
    if missing:
        raise ValueError(f"{NOTHING_TO_REFRESH} ({db} has no table {', '.join(missing)})")
    # Times after now cannot be measured; a warehouse loaded before ingest refused them may
    # hold some (an 18-digit timestamp does not even convert), so the last day ignores them.
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    last_day = con.execute(
        """
        SELECT max(day) FROM (
            SELECT CAST(epoch_ms(max("timestamp") FILTER ("timestamp" <= $now_ms)) AS DATE) AS day
            FROM raw.events
            UNION ALL
            SELECT CAST(max(ordered_at) FILTER (ordered_at <= epoch_ms($now_ms)) AS DATE) AS day
            FROM raw.orders
        )
        """,
        {"now_ms": now_ms},
    ).fetchone()
    if last_day is None or last_day[0] is None:
        raise ValueError(f"{NOTHING_TO_REFRESH} ({db} holds no events and no orders)")
    as_of = as_of or last_day[0]
    today = datetime.now(UTC).date()
    if as_of > today:
        raise ValueError(
            f"as-of date {as_of} is in the future (today is {today}, UTC): nothing after today "
            f"can be measured; the data ends on {last_day[0]}"
        )
    ctx = RefreshContext(
        db=db,
        snapshot=building,
        as_of=as_of,
        period_start=as_of,  # set below, once staging exists
        last_data_date=as_of,
        price_property=price_property(con, "raw.settings"),
        refreshed_at=datetime.now(UTC).replace(tzinfo=None),
    )
    cutoff_ms = int(ctx.cutoff_at.replace(tzinfo=UTC).timestamp() * 1000)

    con.execute("SET VARIABLE cutoff_ms = CAST(? AS BIGINT)", [cutoff_ms])
    con.execute("SET VARIABLE cutoff_at = CAST(? AS TIMESTAMP)", [ctx.cutoff_at])
    con.execute("SET VARIABLE as_of_date = CAST(? AS DATE)", [as_of])
    con.execute("SET VARIABLE price_property = CAST(? AS VARCHAR)", [ctx.price_property])
    con.execute("SET VARIABLE refreshed_at = CAST(? AS TIMESTAMP)", [ctx.refreshed_at])
    build_staging_views(con)

    first_date, last_date = con.execute(
        """
        SELECT CAST(min(first_at) AS DATE), CAST(max(last_at) AS DATE) FROM (
            SELECT min(event_at) AS first_at, max(event_at) AS last_at FROM stg_events
            UNION ALL
            SELECT min(ordered_at), max(ordered_at) FROM stg_orders
        )
        """
    ).fetchone() or (None, None)
    if first_date is None:
        raise ValueError(
            f"nothing to refresh as of {as_of}: {db} has no events or orders on or before that "
            f"day; choose a later --as-of (the data ends on {last_day[0]})"
        )
    con.execute("SET VARIABLE first_date = CAST(? AS DATE)", [first_date])
    con.execute("SET VARIABLE last_date = CAST(? AS DATE)", [last_date])
    return replace(ctx, period_start=first_date, last_data_date=last_date)


def _run_steps(
    con: duckdb.DuckDBPyConnection, ctx: RefreshContext, steps: list[Step], progress: bool
) -> dict[str, float]:
    """Run ``steps`` in order; return the seconds each took (a timing group's summed)."""
    seconds: dict[str, float] = {}
    bar = tqdm(steps, desc="refresh", unit="step", disable=not progress, leave=False)
    for step in bar:
        bar.set_postfix_str(step.name)
        started = time.perf_counter()
        step.run(con, ctx)
        elapsed = time.perf_counter() - started
        log.debug("step %s took %.2f s; peak memory so far %.0f MB", step.name, elapsed,
                  resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        key = step.timing_group or step.name
        seconds[key] = seconds.get(key, 0.0) + elapsed
    return seconds


def _attach_warehouse(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """ATTACH the warehouse read-only as ``raw``, waiting while an ingest holds its write lock."""
    retry_on_lock(
        lambda: con.execute("ATTACH ? AS raw (READ_ONLY)", [str(db)]), db, ATTACH_WAIT_SECONDS
    )


def _raw_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'raw'"
    ).fetchall()
    return {name for (name,) in rows}


def _count_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.table(table).aggregate("count(*)").fetchall()[0][0])


def _summary_lines(
    con: duckdb.DuckDBPyConnection,
    ctx: RefreshContext,
    steps: list[Step],
    seconds: dict[str, float],
) -> list[str]:
    """As-of date, rows per reported table, time per step and the price-quality counts."""
    lines = [
        f"as of {ctx.as_of} (data {ctx.period_start} to {ctx.last_data_date}, "
        f"price property {ctx.price_property!r})",
        "  seconds: " + ", ".join(f"{name} {value:.1f}" for name, value in seconds.items()),
    ]
    for table in (table for step in steps for table in step.reported):
        lines.append(f"  {table:<26}{_count_rows(con, table):>12,} rows")
    imputed, unpriced = con.execute(
        "SELECT count_imputed_price_lines, count_unpriced_lines FROM refresh_info"
    ).fetchall()[0]
    if imputed or unpriced:
        lines.append(
            f"  {imputed:,} purchase lines priced with the item's earliest known price; "
            f"{unpriced:,} lines of never-priced items count 0 in GMV"
        )
    lines += [f"  warning: {warning}" for warning in ctx.warnings]
    return lines
