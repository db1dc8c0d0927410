"""Loading a generic orders export (one row per order line) into the raw table ``orders``.

Columns, found by header name in any order: ``customer_id, order_id, ordered_at, amount`` and
optionally ``item_id`` and ``quantity`` (default 1); other columns are ignored. ``ordered_at`` is
an ISO date or datetime; one with a UTC offset is converted to UTC, one without is taken as UTC.
An item catalogue (``warehouse.ingest.catalogue``) may come with it, in the same transaction.
"""

from __future__ import annotations

from pathlib import Path

from warehouse.ingest.catalogue import ITEMS
from warehouse.ingest.csv_load import Check, CsvSpec, FileJob, run_load
from warehouse.ingest.load_summary import IngestError, IngestSummary

__all__ = ["IngestError", "IngestSummary", "ingest_orders"]

_AMOUNT = "TRY_CAST(amount AS DOUBLE)"
_ORDERED_AT = "TRY_CAST(ordered_at AS TIMESTAMPTZ)"  # the load's session time zone is UTC

ORDERS = CsvSpec(
    table="orders",
    columns=("customer_id", "order_id", "ordered_at", "amount", "item_id", "quantity"),
    optional=("item_id", "quantity"),
    typed=(
        "customer_id",
        "order_id",
        f"timezone('UTC', {_ORDERED_AT})",
        _AMOUNT,
        "item_id",
        "coalesce(TRY_CAST(quantity AS INTEGER), 1)",
    ),
    checks=(
        Check("customer_id IS NULL", "'customer_id is empty'"),
        Check("order_id IS NULL", "'order_id is empty'"),
        Check("ordered_at IS NULL", "'ordered_at is empty'"),
        Check(
            f"{_ORDERED_AT} IS NULL",
            "'ordered_at ''' || left(ordered_at, 40) || ''' is not an ISO date or datetime "
            "(YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)'",
        ),
        Check("amount IS NULL", "'amount is empty'"),
        Check(
            f"{_AMOUNT} IS NULL OR NOT isfinite({_AMOUNT})",
            "'amount ''' || left(amount, 40) || ''' is not a number'",
        ),
        Check(f"{_AMOUNT} < 0", "'amount ' || amount || ' is negative'"),
        Check(
            "quantity IS NOT NULL AND (NOT regexp_full_match(quantity, '[0-9]{1,9}') "
            "OR TRY_CAST(quantity AS INTEGER) < 1)",
            "'quantity ''' || left(quantity, 40) || ''' is not a whole number of at least 1'",
        ),
    ),
    trim=True,
)


def ingest_orders(
    db: Path, file: Path, progress: bool = True, *, items: Path | None = None
) -> IngestSummary:
    """Load one orders CSV (``.csv`` or ``.csv.gz``) into ``orders`` as one transaction, with
    the item catalogue ``items`` (``item_id, name, category, price``) when given.

    Lines already in the warehouse and exact duplicates are dropped (counted); bad lines go to
    ``rejected_rows`` unless more than 5% of a file are bad, which refuses the load
    (:class:`IngestError`, nothing written).
    """
    file = Path(file)
    if not file.is_file():
        raise FileNotFoundError(
            f"No orders file {file}: expected a CSV with columns customer_id, order_id, "
            "ordered_at, amount [, item_id, quantity]"
        )
    jobs = [FileJob(ORDERS, file, file.name)]
    if items is not None:
        items = Path(items)
        if not items.is_file():
            raise FileNotFoundError(
                f"No item catalogue {items}: expected a CSV with columns item_id [, name, "
                "category, price]")
        jobs.insert(0, FileJob(ITEMS, items, items.name))  # the small file first
    return run_load(Path(db), "orders", jobs, progress=progress)
