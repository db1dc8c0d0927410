"""An item catalogue delivered with an orders file: ``item_id, name, category, price``.

Loaded into the raw table ``items`` in the orders load's transaction (``ingest_orders(...,
items=FILE)``), so orders and the names they refer to arrive together or not at all. Columns are
found by header name; only ``item_id`` is required. A catalogue delivered again replaces each
item's row (a new name or price), so a reload adds nothing twice. ``category`` is free text; a
category written ``department / aisle`` counts the department as its top level.
"""

from __future__ import annotations

from warehouse.ingest.csv_spec import Check, CsvSpec

_PRICE = "TRY_CAST(price AS DOUBLE)"

ITEMS = CsvSpec(
    table="items",
    columns=("item_id", "name", "category", "price"),
    optional=("name", "category", "price"),
    typed=("item_id", "name", "category", _PRICE),
    checks=(
        Check("item_id IS NULL", "'item_id is empty'"),
        Check(
            f"price IS NOT NULL AND ({_PRICE} IS NULL OR NOT isfinite({_PRICE}))",
            "'price ''' || left(price, 40) || ''' is not a number'",
        ),
        Check(f"{_PRICE} < 0", "'price ' || price || ' is negative'"),
        Check(
            "count(DISTINCT (name, category, price)) OVER (PARTITION BY item_id) > 1",
            "'item ' || item_id || ' is listed more than once with different values'",
        ),
    ),
    upsert_key="item_id",
    trim=True,
)
