"""Refresh steps that build SQL models (``warehouse/sql/intermediate`` and ``marts``), one step per
model file, each declaring the relations its SQL reads (a test checks them against the SQL).

Intermediate models are temporary views, inlined where marts read them; marts are tables.
``customer_summary`` is refresh-scoped: dropped before the snapshot is published (its columns
reach it through ``customers``). It is an ordinary table, not a temporary one: at 14 M rows a
temporary table held in memory left too little for writing ``customers`` under the limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import duckdb

from warehouse.pipeline.registry import REGISTRY, Step
from warehouse.sql.runner import Materialization, build_model

if TYPE_CHECKING:
    from warehouse.pipeline.context import RefreshContext

MARTS_TIMING = "marts"


def sql_model_step(
    name: str,
    reads: Sequence[str],
    *,
    materialization: Materialization = Materialization.TABLE,
    uncompressed: Sequence[str] = (),
    scratch: bool = False,
) -> Step:
    """A step that builds SQL model ``name`` from its file; tables are counted in the summary.

    ``uncompressed`` names columns with millions of unique text ids (see ``materialize``).
    """

    def run(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
        build_model(con, name, materialization, uncompressed=tuple(uncompressed))

    is_table = materialization is Materialization.TABLE
    return Step(
        name, run, reads=tuple(reads), writes=(name,),
        scratch=(name,) if scratch else (), reported=(name,) if is_table else (),
        timing_group=MARTS_TIMING,
    )


SQL_MODEL_STEPS = (
    sql_model_step("int_purchased_item_states",
                   ("stg_events", "stg_item_prices", "stg_item_categories"),
                   materialization=Materialization.TEMP_VIEW),
    sql_model_step("int_customer_activity", ("stg_events", "stg_orders"),
                   materialization=Materialization.TEMP_VIEW),
    sql_model_step("order_lines",
                   ("stg_events", "stg_orders", "stg_category_tree", "stg_items",
                    "int_purchased_item_states")),
    sql_model_step("daily_kpis", ("int_customer_activity", "order_lines")),
    sql_model_step("daily_category_gmv", ("order_lines",)),
    sql_model_step("daily_leaf_category_gmv", ("order_lines",)),
    sql_model_step("daily_item_gmv", ("order_lines",)),
    sql_model_step("customer_summary", ("int_customer_activity", "order_lines"),
                   uncompressed=("customer_id",), scratch=True),
    sql_model_step("refresh_info", ("order_lines",)),
    sql_model_step("item_catalogue", ("stg_items", "order_lines")),
    sql_model_step("customer_push_consent", ("stg_push_consent",)),
)

for _step in SQL_MODEL_STEPS:
    REGISTRY.register(_step)
