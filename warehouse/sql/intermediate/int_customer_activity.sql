-- Intermediate (a view): one row per activity of a customer up to the cut-off: a behaviour event
-- or an orders-file line. Key: none. Feeds: customer_summary and daily_kpis, which group it by
-- customer (and day).
--
-- The one place where the two sources of activity meet. An orders-file customer whose id is a
-- visitor id is the same customer: grouping by (customer_key, unkeyed_customer_id) merges them,
-- so a day active in both sources is one visit. Customers are named by an integer where one
-- exists, since grouping tens of millions of events by an integer is cheaper than by its text
-- form: customer_key is the visitor id, or an orders-file id written as a plain whole number;
-- unkeyed_customer_id holds any other orders-file id (NULL when customer_key is set).
-- Hence customer_id = coalesce(CAST(customer_key AS VARCHAR), unkeyed_customer_id).
-- activity_type: view | addtocart | transaction (events) or order_line (orders file).

WITH

events AS (SELECT * FROM stg_events),
orders AS (SELECT * FROM stg_orders),

keyed_orders AS (
    SELECT
        *,
        TRY_CAST(customer_id AS BIGINT) AS number_id
    FROM orders
)

SELECT
    visitor_key                 AS customer_key,
    CAST(NULL AS VARCHAR)       AS unkeyed_customer_id,
    event_at                    AS activity_at,
    event_type                  AS activity_type
FROM events
UNION ALL
SELECT
    CASE WHEN CAST(number_id AS VARCHAR) = customer_id THEN number_id END,
    CASE WHEN CAST(number_id AS VARCHAR) = customer_id THEN NULL ELSE customer_id END,
    ordered_at,
    'order_line'
FROM keyed_orders
