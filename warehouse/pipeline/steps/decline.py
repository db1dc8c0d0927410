"""Refresh step: publish the decline job's newest results into the snapshot.

The model itself runs in ``python app.py decline`` (``warehouse/decline/job.py``), which stores
one folder of Parquet files per model version; this step copies the newest version this snapshot
may show (``warehouse.decline.results.published_version``) into the tables of
``warehouse/schema/decline.py``. Before the first run they are created empty, so ``customers``
always has the decline columns (NULL) and the rule fields below always exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from warehouse.decline.results import published_version
from warehouse.pipeline.registry import REGISTRY, Step
from warehouse.schema.decline import CUSTOMER_DECLINE, DECLINE_TABLES, create_sql
from warehouse.schema.fields import NUMBER, TEXT, Field

if TYPE_CHECKING:
    from warehouse.pipeline.context import RefreshContext


def build_decline(con: duckdb.DuckDBPyConnection, ctx: RefreshContext) -> None:
    """(Re)create the decline tables, filled from the newest stored run this snapshot may show."""
    folder = published_version(ctx.db, ctx.as_of)
    for table in DECLINE_TABLES:
        con.execute(create_sql(table))
        if folder is not None:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?)",  # noqa: S608
                        [str(folder / f"{table}.parquet")])


FIELDS = (
    Field("decline_risk", NUMBER, "Decline risk",
          "probability that the customer's purchasing decreases next period (decline model)",
          table=CUSTOMER_DECLINE),
    Field("decline_top_reason", TEXT, "Decline: top reason",
          "the feature raising the customer's decline risk most, e.g. promotion share",
          table=CUSTOMER_DECLINE),
    Field("decline_risk_band", TEXT, "Decline risk band",
          "low, medium or high decline risk (bands set per decline run)",
          table=CUSTOMER_DECLINE),
    Field("decline_profit_band", TEXT, "Profit band",
          "high or low monthly profit (split set per decline run)", table=CUSTOMER_DECLINE),
    Field("allows_notifications", TEXT, "Allows notifications",
          "yes or no as the customer activity files record it; empty where no source does",
          table=CUSTOMER_DECLINE),
)

REGISTRY.register(Step(
    "decline", build_decline,
    writes=tuple(DECLINE_TABLES),
    fields=FIELDS,
))
