"""What the item propensity job and the scoring of an item share (issue 16): the names of the
feature tables, the query that assembles (customer, item) rows from them, and the result tables
the job writes.

Feature tables (built by the job at each of its cut-offs, ``warehouse/promote/data.py``, and
stored as of the end of the data in its results file), from the feature sets
``warehouse/sql/features/promote_*.sql``:

* ``promote_customer_features`` — customer: orders, large-basket orders, recency, spend;
* ``promote_item_features`` — item: recent buyers and large-basket orders, penetration, repeat
  buyers, price, category;
* ``promote_customer_item_features`` — customer × item with history: times bought, cycle,
  regularity, recency, views and cart adds; stored sorted by item, so one item's rows are read
  without scanning the others;
* ``promote_customer_category_features`` — customer × category: orders, items, recency; sorted
  by category;
* ``promote_settings`` — one row: the basket size N and horizon H the features were built with,
  and their cut-off.
"""

from __future__ import annotations

from warehouse.identifiers import check_identifier

MODEL_NAME = "item_propensity"  # in the model registry and the prediction log
RESULTS_SUFFIX = ".promote"  # the job's results: <db stem>.promote/v<version>.duckdb and .md

FEATURE_TABLES = {  # feature set (warehouse/sql/features) -> table
    "promote_customers": "promote_customer_features",
    "promote_items": "promote_item_features",
    "promote_customer_items": "promote_customer_item_features",
    "promote_customer_categories": "promote_customer_category_features",
}
SETTINGS_TABLE = "promote_settings"

_ROW_COLUMNS = """
    c.customer_id,
    i.item_id,
    c.count_orders, c.count_large_orders, c.count_orders_28d, c.avg_basket_size,
    c.avg_order_amount, c.days_since_first_order, c.days_since_last_order,
    i.count_buyers_28d, i.count_large_orders_28d, i.penetration_28d, i.repeat_buyer_share,
    i.price_amount,
    p.count_bought, p.count_bought_large, p.days_since_bought, p.mean_gap_days, p.sd_gap_days,
    p.count_views, p.count_cart_adds,
    k.count_orders AS category_orders, k.count_items AS category_items,
    k.days_since_bought AS category_days_since"""
_HISTORY_JOINS = """
LEFT JOIN {pairs} AS p ON p.customer_id = c.customer_id AND p.item_id = i.item_id
LEFT JOIN {categories} AS k ON k.customer_id = c.customer_id AND k.category = i.category
"""
# One row per customer × candidate item: the raw columns of analytics.propensity.design.
# {customers}, {items}, {pairs}, {categories}: feature tables; {candidates}: item ids (column
# item_id) to score; every customer of {customers} gets a row per candidate.
ROWS_SQL = f"""
SELECT {_ROW_COLUMNS}
FROM {{customers}} AS c
CROSS JOIN (SELECT * FROM {{items}} WHERE item_id IN (SELECT item_id FROM {{candidates}})) AS i
{_HISTORY_JOINS}"""  # noqa: S608 -- code constants
# The same columns for the (customer_id, item_id) pairs of {keys} only (pairs whose customer or
# item has no features are left out): a sample of the rows without building them all.
KEYED_ROWS_SQL = f"""
SELECT {_ROW_COLUMNS}
FROM {{keys}} AS key
JOIN {{customers}} AS c ON c.customer_id = key.customer_id
JOIN {{items}} AS i ON i.item_id = key.item_id
{_HISTORY_JOINS}"""  # noqa: S608 -- code constants


def rows_sql(customers: str, items: str, pairs: str, categories: str, candidates: str, *,
             keys: str | None = None) -> str:
    """``ROWS_SQL`` over the named tables (checked identifiers, optionally schema-qualified);
    with ``keys``, ``KEYED_ROWS_SQL`` (``candidates`` then unused)."""
    names = {"customers": customers, "items": items, "pairs": pairs, "categories": categories,
             "candidates": candidates, "keys": keys or candidates}
    for what, name in names.items():
        for part in name.split("."):
            check_identifier(part, f"{what} table")
    return (KEYED_ROWS_SQL if keys else ROWS_SQL).format(**names)


# The job's result tables, in its results file.
RESULTS_DDL = {
    "promote_run": """
        CREATE TABLE promote_run (
            version INTEGER, model VARCHAR, model_label VARCHAR, parameter VARCHAR,
            parameter_value DOUBLE, intercept DOUBLE, trained_at TIMESTAMP,
            data_end_at TIMESTAMP, min_basket INTEGER, horizon_days INTEGER,
            train_cutoffs VARCHAR, validation_cutoff TIMESTAMP, test_cutoff TIMESTAMP,
            train_rows BIGINT, train_positives BIGINT, negative_rate DOUBLE,
            train_items INTEGER, eval_items INTEGER, orders BIGINT, large_orders BIGINT,
            seconds DOUBLE, findings VARCHAR)""",
    "promote_metrics": """
        CREATE TABLE promote_metrics (
            scorer VARCHAR, scorer_label VARCHAR, kind VARCHAR, split VARCHAR,
            metric VARCHAR, value DOUBLE)""",
    "promote_deciles": """
        CREATE TABLE promote_deciles (
            scorer VARCHAR, decile INTEGER, lift DOUBLE, cumulative_recall DOUBLE)""",
    "promote_calibration": """
        CREATE TABLE promote_calibration (
            scorer VARCHAR, bin INTEGER, lower DOUBLE, upper DOUBLE, customers BIGINT,
            mean_predicted DOUBLE, observed_rate DOUBLE)""",
    "promote_coefficients": """
        CREATE TABLE promote_coefficients (
            rank INTEGER, feature VARCHAR, description VARCHAR, mean DOUBLE, scale DOUBLE,
            coefficient DOUBLE, odds_ratio DOUBLE, sentence VARCHAR)""",
    "promote_search": """
        CREATE TABLE promote_search (
            model VARCHAR, parameter VARCHAR, parameter_value DOUBLE, average_lift DOUBLE,
            pr_auc DOUBLE, roc_auc DOUBLE, seconds DOUBLE, is_chosen BOOLEAN)""",
}
RESULT_TABLES = tuple(RESULTS_DDL)
