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
    orders, large = con.execute(_BASKETS_SQL, {"min_basket": int(min_basket)}).fetchone() or (0, 0)
    return int(orders or 0), int(large or 0)
