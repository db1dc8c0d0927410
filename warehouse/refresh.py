"""Build a snapshot (marts, then model results) from the warehouse and publish it atomically.

Each refresh writes a NEW snapshot file (see ``warehouse/snapshots.py``), so the dashboard keeps
reading the previous one until ``CURRENT`` is switched, and a failed refresh changes nothing.
The warehouse is attached read-only; staging views are temporary and scratch marts are dropped,
so the published file holds only marts, model tables and views over them, and opens on its own.
Order: staging → marts → ``MODEL_STEPS`` → ``customers`` (and its ``segment_summary``) →
``LATE_STEPS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from tqdm import tqdm

from warehouse.clock import cutoff_after
from warehouse.connections import LOCK_WAIT_SECONDS, MEMORY_LIMIT, retry_on_lock
from warehouse.ingest.raw import price_property
from warehouse.refresh_defaults import (
    DEFAULT_CLV_DISCOUNT_RATE,
    DEFAULT_CLV_HORIZON_MONTHS,
    DEFAULT_GRANULARITY,
)
from warehouse.snapshots import discard_snapshot, new_snapshot_path, publish_snapshot
from warehouse.sql.runner import Materialization, build_model
from warehouse.steps.campaign_outcomes import build_campaign_outcomes
from warehouse.steps.clusters import build_clusters
from warehouse.steps.clv import build_clv
from warehouse.steps.customers import build_customers
from warehouse.steps.migration import build_segment_snapshots
from warehouse.steps.segments import build_segments

RAW_TABLES = ("events", "item_properties", "category_tree", "orders", "settings")
STAGING = (
    "stg_events",
    "stg_orders",
    "stg_item_prices",
    "stg_item_categories",
    "stg_category_tree",
)
INTERMEDIATE = ("int_purchased_item_states", "int_customer_activity")
MARTS = (
    "order_lines",
    "daily_kpis",
    "daily_category_gmv",
    "daily_leaf_category_gmv",
    "daily_item_gmv",
    "customer_summary",
    "refresh_info",
)
# Marts only the refresh itself reads: dropped before the snapshot is published (their columns
# reach it through ``customers``). They are ordinary tables, not temporary ones: at 14 M rows a
# temporary table held in memory left too little for writing ``customers`` under the limit.
SCRATCH_MARTS = ("customer_summary",)
# Marts with millions of unique text ids, stored uncompressed (see ``build_model``).
UNCOMPRESSED_COLUMNS = {"customer_summary": ("customer_id",)}
# The wide view over its two stored parts, built after the model tables they join (with the
# per-segment summary and top customers).
CUSTOMERS_MART = "customers"
ATTACH_WAIT_SECONDS = LOCK_WAIT_SECONDS
NOTHING_TO_REFRESH = "nothing to refresh: load data first with python app.py ingest DIR"


@dataclass(frozen=True)
class RefreshContext:
    """What every step of one refresh agrees on.

    ``period_start`` is the first day with an event or order, ``as_of`` the last day counted;
    data after the end of ``as_of`` (UTC) is invisible to staging. Timestamps are naive UTC.
    Steps append what the user should know (e.g. an unusable model) to ``warnings``; they are
    printed with the summary.
    """

    db: Path
    snapshot: Path
    as_of: date
    period_start: date
    last_data_date: date
    price_property: str
    refreshed_at: datetime
    warnings: list[str] = field(default_factory=list)
    # Settings a user may choose per refresh (read by the model steps).
    granularity: str = DEFAULT_GRANULARITY
    clv_horizon_months: int = DEFAULT_CLV_HORIZON_MONTHS
    clv_discount_rate: float = DEFAULT_CLV_DISCOUNT_RATE

    @property
    def cutoff_at(self) -> datetime:
        """First instant not counted: midnight UTC after ``as_of``."""
        return cutoff_after(self.as_of)


Step = Callable[[duckdb.DuckDBPyConnection, RefreshContext], None]

# Model steps run after the marts, in this order: (name, step). A step reads marts with SQL, calls
# analytics/ and writes its tables into the snapshot through ``con``.
MODEL_STEPS: list[tuple[str, Step]] = [
    ("segments", build_segments),
    ("clusters", build_clusters),  # reads customer_rfm
    ("clv", build_clv),
]
# Steps that need the wide ``customers`` view run after it.
LATE_STEPS: list[tuple[str, Step]] = [
    ("segment_snapshots", build_segment_snapshots),  # settled visitors' facts are in customers
    ("campaign_outcomes", build_campaign_outcomes),  # reads segment_snapshots
]


def refresh(
    db: Path,
    as_of: date | None = None,
    progress: bool = True,
    *,
    granularity: str = DEFAULT_GRANULARITY,
    clv_horizon_months: int = DEFAULT_CLV_HORIZON_MONTHS,
    clv_discount_rate: float = DEFAULT_CLV_DISCOUNT_RATE,
) -> Path:
    """Rebuild marts and models as of ``as_of`` (default: the last day with data) and publish them.

    Returns the published snapshot's path. With ``progress`` a progress bar and a summary (as-of
    date, rows per mart, seconds) are printed. Raises FileNotFoundError without a warehouse,
    ValueError when there is nothing to refresh, WarehouseBusyError if an ingest holds the lock.
    """
    db = Path(db)
    if not db.exists():
        raise FileNotFoundError(
            f"No warehouse at {db}. Load data first: python app.py ingest DIR --db {db}"
        )
    started = time.perf_counter()
    building = new_snapshot_path(db)
    try:
        con = duckdb.connect(str(building), config={"memory_limit": MEMORY_LIMIT})
        try:
            ctx = replace(
                _prepare(con, db, building, as_of),
                granularity=granularity,
                clv_horizon_months=clv_horizon_months,
                clv_discount_rate=clv_discount_rate,
            )
            seconds = _run_steps(con, ctx, progress)
            summary = _summary_lines(con, ctx, seconds)
            for name in SCRATCH_MARTS:
                con.execute(f"DROP TABLE {name}")
            con.execute("DETACH raw")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        published = publish_snapshot(db, building)
    except BaseException:
        discard_snapshot(building)
        raise
    if progress:
        print(f"Refreshed in {time.perf_counter() - started:.1f} s: " + "\n".join(summary))
    return published


def _prepare(
    con: duckdb.DuckDBPyConnection, db: Path, building: Path, as_of: date | None
) -> RefreshContext:
    """Attach the warehouse, fix the as-of date and cut-off, and create the staging views."""
    _attach_warehouse(con, db)
    missing = [table for table in RAW_TABLES if table not in _raw_tables(con)]
    if missing:
        raise ValueError(f"{NOTHING_TO_REFRESH} ({db} has no table {', '.join(missing)})")
    last_day = con.execute(
        """
        SELECT max(day) FROM (
            SELECT CAST(epoch_ms(max("timestamp")) AS DATE) AS day FROM raw.events
            UNION ALL
            SELECT CAST(max(ordered_at) AS DATE) AS day FROM raw.orders
        )
        """
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
    for name in STAGING + INTERMEDIATE:
        build_model(con, name, Materialization.TEMP_VIEW)

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
    con: duckdb.DuckDBPyConnection, ctx: RefreshContext, progress: bool
) -> dict[str, float]:
    """Run every step in order; return the seconds each took (the marts summed as "marts")."""

    def mart(name: str) -> Step:
        return lambda con, _ctx: build_model(
            con, name, Materialization.TABLE, uncompressed=UNCOMPRESSED_COLUMNS.get(name, ())
        )

    steps: list[tuple[str, Step]] = [(name, mart(name)) for name in MARTS]
    steps += MODEL_STEPS
    steps.append((CUSTOMERS_MART, build_customers))
    steps += LATE_STEPS
    seconds: dict[str, float] = {}
    bar = tqdm(steps, desc="refresh", unit="step", disable=not progress, leave=False)
    for name, step in bar:
        bar.set_postfix_str(name)
        started = time.perf_counter()
        step(con, ctx)
        key = "marts" if name in MARTS else name
        seconds[key] = seconds.get(key, 0.0) + time.perf_counter() - started
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
    con: duckdb.DuckDBPyConnection, ctx: RefreshContext, seconds: dict[str, float]
) -> list[str]:
    """As-of date, rows per mart, time per step and the price-quality counts, for the summary."""
    lines = [
        f"as of {ctx.as_of} (data {ctx.period_start} to {ctx.last_data_date}, "
        f"price property {ctx.price_property!r})",
        "  seconds: " + ", ".join(f"{name} {value:.1f}" for name, value in seconds.items()),
    ]
    for name in (*MARTS, CUSTOMERS_MART):
        lines.append(f"  {name:<26}{_count_rows(con, name):>12,} rows")
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
