"""Loading a generic orders export (one row per order line) into the raw table ``orders``.

Columns, found by header name in any order: ``customer_id, order_id, ordered_at, amount`` and
optionally ``item_id`` and ``quantity`` (default 1); other columns are ignored. ``ordered_at`` is
an ISO date or datetime; one with a UTC offset is converted to UTC, one without is taken as UTC.

The latest load of an order replaces it: a re-exported file whose lines of an order changed (a
new amount, a line more or less) replaces the lines stored for that order instead of adding them,
and the summary says how many orders were replaced.

An item catalogue (``warehouse.ingest.catalogue``) may come with it, in the same transaction.
"""

from __future__ import annotations

from pathlib import Path

from warehouse.ingest.catalogue import ITEMS
from warehouse.ingest.csv_load import LoadStep, run_load
from warehouse.ingest.csv_spec import EARLIEST_DATE, MAX_AMOUNT, Check, CsvSpec, FileJob
from warehouse.ingest.load_summary import IngestError, IngestSummary

__all__ = ["IngestError", "IngestSummary", "ingest_orders"]

_AMOUNT = "TRY_CAST(amount AS DOUBLE)"
_ORDERED_AT = "TRY_CAST(ordered_at AS TIMESTAMPTZ)"  # the load's session time zone is UTC
_ORDERED_AT_UTC = f"timezone('UTC', {_ORDERED_AT})"

ORDERS = CsvSpec(
    table="orders",
    columns=("customer_id", "order_id", "ordered_at", "amount", "item_id", "quantity"),
    optional=("item_id", "quantity"),
    typed=(
        "customer_id",
        "order_id",
        _ORDERED_AT_UTC,
        _AMOUNT,
        "item_id",
        "coalesce(TRY_CAST(quantity AS INTEGER), 1)",
    ),
    checks=(
        Check("customer_id IS NULL", "'customer_id is empty'"),
        Check("order_id IS NULL", "'order_id is empty'"),
        # One rule per column: each rule is one more pass of the CASE over every good row, and a
        # value is parsed once per rule.
        Check(
            f"coalesce({_ORDERED_AT} NOT BETWEEN TIMESTAMPTZ '{EARLIEST_DATE} 00:00:00+00' "
            "AND $loaded_at, TRUE)",
            "CASE WHEN ordered_at IS NULL THEN 'ordered_at is empty' "
            f"WHEN {_ORDERED_AT} IS NULL THEN 'ordered_at ''' || left(ordered_at, 40) || ''' is "
            "not an ISO date or datetime (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)' "
            f"WHEN {_ORDERED_AT} < TIMESTAMPTZ '{EARLIEST_DATE} 00:00:00+00' "
            f"THEN 'ordered_at ' || ordered_at || ' is before {EARLIEST_DATE}' "
            "ELSE 'ordered_at ' || ordered_at || ' lies in the future (after this load started)' "
            "END",
        ),
        Check(
            f"coalesce(NOT (isfinite({_AMOUNT}) AND {_AMOUNT} BETWEEN 0 AND {MAX_AMOUNT}), TRUE)",
            "CASE WHEN amount IS NULL THEN 'amount is empty' "
            f"WHEN {_AMOUNT} IS NULL OR NOT isfinite({_AMOUNT}) "
            "THEN 'amount ''' || left(amount, 40) || ''' is not a number' "
            f"WHEN {_AMOUNT} < 0 THEN 'amount ' || amount || ' is negative' "
            f"ELSE 'amount ' || amount || ' is implausibly large (more than {MAX_AMOUNT:,.0f})' "
            "END",
        ),
        Check(
            "quantity IS NOT NULL AND (NOT regexp_full_match(quantity, '[0-9]{1,9}') "
            "OR TRY_CAST(quantity AS INTEGER) < 1)",
            "'quantity ''' || left(quantity, 40) || ''' is not a whole number of at least 1'",
        ),
    ),
    replace_key="order_id",
    trim=True,
)


def ingest_orders(
    db: Path, file: Path, progress: bool = True, *, items: Path | None = None
) -> IngestSummary:
    """Load one orders CSV (``.csv`` or ``.csv.gz``) into ``orders`` as one transaction, with
    the item catalogue ``items`` (``item_id, name, category, price``) when given.

    Lines already in the warehouse and exact duplicates are dropped (counted); an order whose
    lines differ from the stored ones replaces them; bad lines go to ``rejected_rows`` unless
    more than 5% of a file are bad, which refuses the load (:class:`IngestError`, nothing
    written).
    """
    file = Path(file)
    if not file.is_file():
        raise FileNotFoundError(
            f"No orders file {file}: expected a CSV with columns customer_id, order_id, "
            "ordered_at, amount [, item_id, quantity]"
        )
    steps = [LoadStep(FileJob(ORDERS, file, file.name))]
    if items is not None:
        items = Path(items)
        if not items.is_file():
            raise FileNotFoundError(
                f"No item catalogue {items}: expected a CSV with columns item_id [, name, "
                "category, price]")
        steps.insert(0, LoadStep(FileJob(ITEMS, items, items.name)))  # the small file first
    summary = run_load(Path(db), "orders", steps, progress=progress)
    for loaded in summary.files:
        if loaded.keys_replaced:
            summary.notes.append(
                f"{loaded.file}: {loaded.keys_replaced:,} order(s) loaded before had other lines "
                f"in this file; its lines replace them ({loaded.rows_replaced:,} earlier "
                "line(s) removed), so no order is counted twice.")
    return summary
