"""Refresh step: ``customers`` (a view over two tables stored ordered by segment), its
``segment_summary`` and each segment's ``segment_top_customers``.

Buyers (``customer_buyers``, every column) and non-buyers (``customer_visitors``, only what
varies among them) are stored apart: non-buyers are 99% of RetailRocket-shaped data and carry no
orders, RFM, cluster or CLV, so writing those columns for them cost more than the rest of the
table. Each part is sorted by segment, then in the export's order (``TOP_CUSTOMERS_ORDER``), as it
is written, and the view says so (``EXPORT_ORDER_COMMENT``): a segment's download then streams
in order without sorting it.

``customer_buyers`` is its SQL file's columns plus, for each customer field a step publishes
from a table of its own (``Field.table``), that column, LEFT JOINed on ``customer_id``: a model
step adds a column to ``customers`` by declaring the field. The view gives visitors NULL there,
unless the field covers visitors (``Field.covers_visitors``): then ``customer_visitors`` joins
it too.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import duckdb

from warehouse.pipeline.registry import REGISTRY, Step
from warehouse.schema.customers import (
    CUSTOMERS_VIEW,
    EXPORT_ORDER_COMMENT,
    SEGMENT_SUMMARY_TABLE,
    SEGMENT_TOP_CUSTOMERS_TABLE,
    TOP_CUSTOMERS,
    TOP_CUSTOMERS_ORDER,
)
from warehouse.schema.fields import NUMBER, TIMESTAMP, Field
from warehouse.sql.runner import Materialization, build_model, materialize, model_query

if TYPE_CHECKING:
    from warehouse.pipeline.context import RefreshContext

BUYERS, VISITORS = "customer_buyers", "customer_visitors"
# The two stored parts and their columns left uncompressed (14 M unique ids among visitors).
CUSTOMER_PARTS = {BUYERS: (), VISITORS: ("customer_id",)}

TOP_TABLE_SQL = f"""
CREATE OR REPLACE TABLE {SEGMENT_TOP_CUSTOMERS_TABLE} AS
SELECT *, CAST(0 AS INTEGER) AS rank FROM {CUSTOMERS_VIEW} LIMIT 0
"""  # noqa: S608 -- constants only
TOP_INSERT_SQL = f"""
INSERT INTO {SEGMENT_TOP_CUSTOMERS_TABLE}
SELECT *, CAST(row_number() OVER (ORDER BY {TOP_CUSTOMERS_ORDER}) AS INTEGER) AS rank
FROM (
    SELECT * FROM {CUSTOMERS_VIEW} WHERE segment = $segment
    ORDER BY {TOP_CUSTOMERS_ORDER} LIMIT $limit
)
"""  # noqa: S608 -- constants only

# A segment in both parts would come out of the view as two ordered runs, not one.
SEGMENTS_IN_BOTH_PARTS_SQL = f"""
SELECT count(*) FROM (SELECT DISTINCT segment FROM {BUYERS})
JOIN (SELECT DISTINCT segment FROM {VISITORS}) USING (segment)
"""  # noqa: S608 -- constants only

# Each segment's place in text order. The parts are sorted by this number rather than by the
# segment's name: names longer than a sort key's inline prefix made every comparison within a
# segment compare whole strings (sorting 14 M visitors took 9.5 s by name, 5.5 s by rank). The
# segments are taken from the small tables ``customer_segments`` looks them up in (a buyer's in
# ``customer_rfm``, a visitor's in ``behaviour_segment_labels``), not from its 14 M rows: ranks
# among more segments than the parts hold order those the same way.
SEGMENT_RANKS = "customer_segment_ranks"
SEGMENT_RANKS_SQL = f"""
CREATE OR REPLACE TEMP TABLE {SEGMENT_RANKS} AS
SELECT segment, row_number() OVER (ORDER BY segment) AS segment_rank
FROM (
    SELECT segment FROM segment_definitions
    UNION
    SELECT segment FROM customer_rfm
    UNION
    SELECT segment FROM behaviour_segment_labels
)
"""  # noqa: S608 -- constants only

# The view gives visitors zero orders: that holds only if the buyers (RFM-scored) are exactly
# the summary's customers with an order.
BUYERS_AGREE_SQL = """
SELECT (SELECT count(*) FROM customer_rfm),
       (SELECT count(*) FROM customer_summary WHERE count_orders > 0)
"""


def part_query(part: str, fields: list[Field]) -> str:
    """A stored part's SQL: its model file, plus each field held in a step's table (for
    ``customer_visitors`` only the fields that cover visitors), joined on ``customer_id``,
    ordered by segment (its rank in ``SEGMENT_RANKS``: the same order), then in the export's
    order. Names are checked identifiers from declarations."""
    by_table: dict[str, list[str]] = defaultdict(list)
    for field in fields:
        if field.table is not None and (part == BUYERS or field.covers_visitors):
            by_table[field.table].append(field.name)
    columns = "".join(f", {table}.{name}" for table, names in by_table.items() for name in names)
    joins = "".join(f"\nLEFT JOIN {table} USING (customer_id)" for table in by_table)
    within = TOP_CUSTOMERS_ORDER if any("clv_amount" in names for names in by_table.values()) \
        else "customer_id"  # a part without CLVs: all NULL, so by id
    return (f"SELECT part.*{columns}\nFROM (\n{model_query(part)}\n) AS part{joins}"
            f"\nLEFT JOIN {SEGMENT_RANKS} AS ranks ON ranks.segment = part.segment"
            f"\nORDER BY ranks.segment_rank, {within}")



def build_customers(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """Write the two stored parts, define the ``customers`` view, then ``segment_summary`` and
    ``segment_top_customers``."""
    scored, ordering = con.execute(BUYERS_AGREE_SQL).fetchone()
    if scored != ordering:
        raise RuntimeError(
            f"refresh: {scored:,} buyers have RFM scores but {ordering:,} customers have an "
            "order; the customers table would misstate orders. Please report this."
        )
    fields = [field for _, field in ctx.published_fields]
    con.execute(SEGMENT_RANKS_SQL)
    for part, uncompressed in CUSTOMER_PARTS.items():
        materialize(con, part, part_query(part, fields), Materialization.TABLE,
                    uncompressed=uncompressed)
    con.execute(f"DROP TABLE {SEGMENT_RANKS}")
    build_model(con, CUSTOMERS_VIEW, Materialization.VIEW)
    if not con.execute(SEGMENTS_IN_BOTH_PARTS_SQL).fetchone()[0]:
        con.execute(f"COMMENT ON VIEW {CUSTOMERS_VIEW} IS '{EXPORT_ORDER_COMMENT}'")
    build_model(con, SEGMENT_SUMMARY_TABLE, Materialization.TABLE)
    build_segment_top_customers(con)


def build_segment_top_customers(con: duckdb.DuckDBPyConnection) -> None:
    """``segment_top_customers``: each segment's first ``TOP_CUSTOMERS`` customers in
    ``TOP_CUSTOMERS_ORDER`` with their ``rank`` (1 = first), all columns of ``customers``; one
    bounded query per segment of ``segment_summary`` rather than ranking every customer."""
    con.execute(TOP_TABLE_SQL)
    segments = con.execute(
        f"SELECT segment FROM {SEGMENT_SUMMARY_TABLE} WHERE customers > 0 ORDER BY segment"  # noqa: S608
    ).fetchall()
    for (segment,) in segments:
        con.execute(TOP_INSERT_SQL, {"segment": segment, "limit": TOP_CUSTOMERS})


# Columns of customers built from the summary and the segments, published by this step.
FIELDS = (
    Field("count_events", NUMBER, "Events",
          "behaviour events and orders-file lines up to the as-of date"),
    Field("count_views", NUMBER, "Product views", "product views up to the as-of date"),
    Field("count_cart_adds", NUMBER, "Cart adds", "add-to-cart events up to the as-of date"),
    Field("count_orders", NUMBER, "Orders", "distinct orders up to the as-of date"),
    Field("count_items", NUMBER, "Items bought", "items bought (quantities summed)"),
    Field("gmv_amount", NUMBER, "GMV", "sum of the customer's order lines, in currency units"),
    Field("avg_basket_size", NUMBER, "Lines per order",
          "order lines per order (0 for a customer who never bought)"),
    Field("cart_to_purchase_ratio", NUMBER, "Orders per cart add",
          "orders divided by cart adds (empty without a cart add)"),
    Field("first_event_at", TIMESTAMP, "First visit", "the customer's first activity (UTC)"),
    Field("last_event_at", TIMESTAMP, "Last visit", "the customer's last activity (UTC)"),
    Field("first_purchase_at", TIMESTAMP, "First purchase", "the customer's first order (UTC)"),
    Field("last_purchase_at", TIMESTAMP, "Last purchase", "the customer's last order (UTC)"),
)

REGISTRY.register(Step(
    "customers", build_customers,
    reads=("customer_segments", "customer_summary", "customer_rfm", "segment_definitions",
           "behaviour_segment_labels"),
    writes=(BUYERS, VISITORS, CUSTOMERS_VIEW, SEGMENT_SUMMARY_TABLE,
            SEGMENT_TOP_CUSTOMERS_TABLE),
    fields=FIELDS,
    reads_field_tables=True,
    reported=(CUSTOMERS_VIEW,),
))
