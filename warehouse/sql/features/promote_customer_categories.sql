-- Features: one row per customer × category the customer bought in before the cut-off
-- getvariable('cutoff_at'); key (customer_id, category). Feeds the item propensity model (see
-- promote_customers.sql): a candidate item's row takes its category's. Point in time: order_lines
-- pointed at the cut-off; a line's category is the one order_lines gives it (the catalogue's for
-- an orders file, the category recorded at the purchase for RetailRocket events).
--
-- count_orders: orders holding an item of the category; count_items: the most distinct items of
-- it (lines) in one of those orders; days_since_bought: since the last such order.

WITH

lines AS (SELECT * FROM order_lines),

settings AS (SELECT getvariable('cutoff_at') AS cutoff_at),

category_orders AS (  -- one row per customer × category × order
    SELECT customer_id, category_id, order_id, min(ordered_at) AS ordered_at,
           count(*) AS items
    FROM lines
    WHERE category_id IS NOT NULL
    GROUP BY customer_id, category_id, order_id
)

SELECT
    category_orders.customer_id,
    category_orders.category_id                                                   AS category,
    count(*)                                                                      AS count_orders,
    max(category_orders.items)                                                    AS count_items,
    epoch(any_value(settings.cutoff_at) - max(category_orders.ordered_at)) / 86400
                                                                                  AS days_since_bought
FROM category_orders
CROSS JOIN settings
GROUP BY category_orders.customer_id, category_orders.category_id
