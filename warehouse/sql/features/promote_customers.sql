-- Features: one row per customer with an order before the cut-off getvariable('cutoff_at');
-- key customer_id. Feeds the item propensity model of the Promote page (analytics/propensity),
-- joined to promote_items, promote_customer_items and promote_customer_categories for each
-- (customer, candidate item) row. Point in time: reads only order_lines pointed at the cut-off.
--
-- A basket is an order's distinct item lines (order_lines.basket_size); a large basket holds at
-- least getvariable('promote_min_basket') of them (N, 5 by default). Durations in days up to the
-- cut-off; amounts in the shop's currency.

WITH

lines AS (SELECT * FROM order_lines),

settings AS (
    SELECT getvariable('cutoff_at') AS cutoff_at, getvariable('promote_min_basket') AS min_basket
),

orders AS (
    SELECT
        customer_id,
        order_id,
        min(ordered_at)          AS ordered_at,
        any_value(basket_size)   AS basket_size,
        sum(line_amount)         AS order_amount
    FROM lines
    GROUP BY customer_id, order_id
)

SELECT
    orders.customer_id,
    count(*)                                                                   AS count_orders,
    count(*) FILTER (WHERE orders.basket_size >= settings.min_basket)         AS count_large_orders,
    count(*) FILTER (WHERE orders.ordered_at >= settings.cutoff_at - INTERVAL 28 DAY)
                                                                               AS count_orders_28d,
    avg(orders.basket_size)                                                    AS avg_basket_size,
    avg(orders.order_amount)                                                   AS avg_order_amount,
    epoch(any_value(settings.cutoff_at) - min(orders.ordered_at)) / 86400     AS days_since_first_order,
    epoch(any_value(settings.cutoff_at) - max(orders.ordered_at)) / 86400     AS days_since_last_order
FROM orders
CROSS JOIN settings
GROUP BY orders.customer_id
