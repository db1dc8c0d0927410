"""Read queries for uplift: the learnt campaigns, their evidence, the money, and the audience of
the top share by predicted uplift, on a snapshot cursor (tables: ``warehouse.schema.uplift``)."""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.uplift.economics import economic_table
from warehouse.schema.uplift import POOL_PREFIX, POOL_SOURCE

# The campaigns newest first, then the pools.
MODELS_SQL = f"""
SELECT m.*, c.offer, c.kpi
FROM uplift_models AS m
LEFT JOIN campaigns AS c USING (campaign_id)
ORDER BY m.source = '{POOL_SOURCE}', m.ends_at DESC, m.launched_at DESC, m.campaign_id
"""  # noqa: S608 -- constants

# The top share of customers by the published uplift score (ties broken by id, so the audience
# is the same for the same snapshot), with their segment and CLV for the launch.
TOP_SQL = """
WITH scored AS (
    SELECT customer_id, segment, clv_amount, uplift_score
    FROM customers
    WHERE uplift_score IS NOT NULL
)
SELECT customer_id, segment, clv_amount, uplift_score
FROM scored
ORDER BY uplift_score DESC, customer_id
LIMIT (SELECT CAST(round($share * count(*)) AS BIGINT) FROM scored)
"""


def uplift_models(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every completed campaign, newest first, then the pooled models: trained or why not, the
    chosen learner and its held-out Qini coefficient, whether its scores are the published
    ``uplift_score``, and the campaign's offer and KPI."""
    return con.sql(MODELS_SQL).df()


def is_pool(campaign_id: str | None) -> bool:
    """Whether ``campaign_id`` names a pooled model (several campaigns learnt together)."""
    return str(campaign_id or "").startswith(POOL_PREFIX)


def published_model(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The row of ``uplift_models`` whose scores are published, None when none is."""
    models = uplift_models(con)
    published = models[models["is_published"]]
    return None if published.empty else published.iloc[0].to_dict()


def evidence(con: duckdb.DuckDBPyConnection, table: str, campaign_id: str) -> pd.DataFrame:
    """One campaign's rows of an evidence table: uplift_learners, uplift_curves, uplift_deciles,
    uplift_targeting or uplift_types."""
    if table not in ("uplift_learners", "uplift_curves", "uplift_deciles", "uplift_targeting",
                     "uplift_types"):
        raise ValueError(f"not an uplift evidence table: {table!r}")
    order = {"uplift_learners": "learner", "uplift_curves": "learner, share",
             "uplift_deciles": "decile", "uplift_targeting": "share",
             "uplift_types": "scope, response_type"}[table]
    return con.sql(f"SELECT * FROM {table} WHERE campaign_id = $id ORDER BY {order}",  # noqa: S608 -- checked names
                   params={"id": campaign_id}).df()


def campaign_economics(
    con: duckdb.DuckDBPyConnection, campaign_id: str, *, share: float,
    cost_per_contact: float, margin_per_conversion: float | None = None,
    population: int | None = None,
) -> pd.DataFrame:
    """The economic table of a learnt campaign or pool (``analytics.uplift.economics``): the
    population defaults to the campaign's audience (a pool's: its campaigns'), the margin to its
    revenue per converted customer."""
    models = uplift_models(con).set_index("campaign_id")
    if campaign_id not in models.index or not models.loc[campaign_id, "is_trained"]:
        raise ValueError(f"campaign {campaign_id!r} has no uplift model")
    row = models.loc[campaign_id]
    if margin_per_conversion is None:
        revenue = row["revenue_per_conversion"]
        margin_per_conversion = 0.0 if pd.isna(revenue) else float(revenue)
    if population is None:
        population = int(row["count_treatment"] + row["count_control"])
    return economic_table(evidence(con, "uplift_targeting", campaign_id),
                          population=population, cost_per_contact=cost_per_contact,
                          margin_per_conversion=margin_per_conversion, share=share)


def top_uplift_audience(con: duckdb.DuckDBPyConnection, share: float) -> pd.DataFrame:
    """The top ``share`` (0-1] of the scored customers (those who bought) by published uplift
    score: customer_id, segment, clv_amount, uplift_score."""
    if not 0 < share <= 1:
        raise ValueError(f"the share to target must be above 0 % and at most 100 %, got {share}")
    return con.sql(TOP_SQL, params={"share": share}).df()
