"""Read queries behind the Promote-an-item page, over the published snapshot: the item search
and how many orders are large enough baskets to promote into."""

from __future__ import annotations

import duckdb
import pandas as pd

MAX_MATCHES = 20

_SEARCH_SQL = """
SELECT item_id, item_name, category, price_amount, count_buyers_28d
FROM item_catalogue
WHERE contains(search_text, lower($text))
ORDER BY count_orders_28d DESC, item_id
LIMIT $limit
"""

_BASKETS_SQL = """
SELECT count(DISTINCT order_id) AS orders,
       count(DISTINCT order_id) FILTER (WHERE basket_size >= $min_basket) AS large_orders
FROM order_lines
"""


def search_items(con: duckdb.DuckDBPyConnection, text: str,
                 limit: int = MAX_MATCHES) -> pd.DataFrame:
    """Items whose id, name or category contains ``text`` (any case), best recent sellers
    first: item_id, item_name, category, price_amount, count_buyers_28d."""
    return con.execute(_SEARCH_SQL, {"text": text.strip(), "limit": int(limit)}).df()


def basket_counts(con: duckdb.DuckDBPyConnection, min_basket: int) -> tuple[int, int]:
    """Orders in the published lines, and those holding at least ``min_basket`` items."""
    rows = con.execute(_BASKETS_SQL, {"min_basket": int(min_basket)}).fetchall()
    orders, large = rows[0] if rows else (0, 0)
    return int(orders or 0), int(large or 0)


_PUSH_OUTCOMES_SQL = """
WITH
campaign AS (
    SELECT launched_at, ends_at FROM campaigns WHERE campaign_id = $campaign_id
),
members AS (
    SELECT customer_id, group_name FROM campaign_assignments WHERE campaign_id = $campaign_id
),
lines AS (
    SELECT order_lines.*
    FROM order_lines CROSS JOIN campaign
    WHERE order_lines.ordered_at >= campaign.launched_at
      AND order_lines.ordered_at < campaign.ends_at
      AND order_lines.customer_id IN (SELECT customer_id FROM members)
),
per_customer AS (
    SELECT
        customer_id,
        count(DISTINCT order_id) FILTER (WHERE item_id = $item_id
                                         AND basket_size >= $min_basket) AS qualifying_orders,
        count(DISTINCT order_id) FILTER (WHERE item_id = $item_id)       AS item_orders,
        coalesce(sum(line_amount) FILTER (WHERE item_id = $item_id), 0)  AS item_amount,
        count(DISTINCT order_id)                                         AS orders,
        coalesce(sum(line_amount), 0)                                    AS sales_amount
    FROM lines
    GROUP BY customer_id
)
SELECT
    members.customer_id,
    members.group_name,
    coalesce(per_customer.qualifying_orders, 0)   AS qualifying_orders,
    coalesce(per_customer.item_orders, 0)         AS item_orders,
    coalesce(per_customer.item_amount, 0.0)       AS item_amount,
    coalesce(per_customer.orders, 0)              AS orders,
    coalesce(per_customer.sales_amount, 0.0)      AS sales_amount,
    coalesce(consent.opted_out_at >= campaign.launched_at
             AND consent.opted_out_at < campaign.ends_at, false) AS opted_out
FROM members
CROSS JOIN campaign
LEFT JOIN per_customer USING (customer_id)
LEFT JOIN customer_push_consent AS consent USING (customer_id)
ORDER BY members.customer_id
"""

_CAMPAIGN_SQL = """
SELECT c.campaign_id, c.name, c.offer, c.channel, c.launched_at, c.ends_at,
       (SELECT max(last_event_date) FROM refresh_info) AS last_data_date
FROM campaigns AS c WHERE c.campaign_id = $campaign_id
"""


def push_campaign(con: duckdb.DuckDBPyConnection, campaign_id: str) -> dict | None:
    """The published campaign row (with the data's last date), None if not published."""
    found = con.execute(_CAMPAIGN_SQL, {"campaign_id": campaign_id}).df()
    return None if found.empty else found.iloc[0].to_dict()


def push_outcomes(con: duckdb.DuckDBPyConnection, campaign_id: str, item_id: str,
                  min_basket: int) -> pd.DataFrame:
    """Per customer of the campaign, in its window [launched_at, ends_at): group_name, orders
    of ``item_id`` in a basket of at least ``min_basket`` items (qualifying_orders), orders and
    amount of the item, all orders and sales, and whether they opted out of pushes."""
    return con.execute(_PUSH_OUTCOMES_SQL, {"campaign_id": campaign_id, "item_id": item_id,
                                            "min_basket": int(min_basket)}).df()


_PUSH_CAMPAIGNS_SQL = """
SELECT campaign_id, name, offer, launched_at, ends_at
FROM campaigns
WHERE channel = 'push'
ORDER BY launched_at DESC, campaign_id DESC
"""


def push_campaigns(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The published push campaigns, newest first: campaign_id, name, offer, launched_at,
    ends_at."""
    return con.execute(_PUSH_CAMPAIGNS_SQL).df()
