-- customers (a view): one row per customer (visitor or buyer); key customer_id.
-- The wide attribute table that action rules and the segment, CLV and board pages read, and the
-- published form of `customer_summary` (all its columns are here). Rows are stored in two
-- tables ordered by segment (then highest CLV first, by id): `customer_buyers` (every column)
-- and `customer_visitors` (the non-buyers' behaviour); a filter on segment reaches both. Model
-- columns are NULL where a model does not cover the customer (RFM and CLV exist only for buyers).

SELECT * FROM customer_buyers
UNION ALL BY NAME
SELECT
    *,
    'behavioural'                                       AS segment_kind,
    CAST(0 AS BIGINT)                                   AS count_orders,
    CAST(0 AS BIGINT)                                   AS count_items,
    CAST(0 AS DOUBLE)                                   AS gmv_amount,
    CAST(0 AS DOUBLE)                                   AS avg_basket_size,
    CASE WHEN count_cart_adds > 0 THEN CAST(0 AS DOUBLE) END AS cart_to_purchase_ratio
FROM customer_visitors
