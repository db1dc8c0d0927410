-- Features: one row per item sold before the cut-off getvariable('cutoff_at'), or listed in the
-- item catalogue; key item_id. Feeds the item propensity model (see promote_customers.sql).
-- Point in time: sales from order_lines pointed at the cut-off; the catalogue (stg_items) has
-- no dates and is read as loaded.
--
-- Popularity over the 28 days before the cut-off: buyers, orders and large-basket orders
-- (at least getvariable('promote_min_basket') lines) holding the item, and its buyers' share of
-- the customers who ordered in those days (penetration). repeat_buyer_share: of the item's
-- buyers ever, those who bought it in two orders or more. price_amount: the catalogue's, else
-- the mean price paid. category: the catalogue's, else the item's category at its last sale.

WITH

lines AS (SELECT * FROM order_lines),
catalogue AS (SELECT * FROM stg_items),

settings AS (
    SELECT getvariable('cutoff_at') AS cutoff_at, getvariable('promote_min_basket') AS min_basket
),

recent_customers AS (
    SELECT count(DISTINCT customer_id) AS customers
    FROM lines CROSS JOIN settings
    WHERE ordered_at >= settings.cutoff_at - INTERVAL 28 DAY
),

item_orders AS (  -- one row per item × order: the grain every count below needs
    SELECT
        item_id,
        order_id,
        any_value(customer_id)           AS customer_id,
        min(ordered_at)                  AS ordered_at,
        any_value(basket_size)           AS basket_size,
        avg(price_amount)                AS price_amount,
        any_value(category_id)           AS category_id
    FROM lines
    WHERE item_id IS NOT NULL
    GROUP BY item_id, order_id
),

per_buyer AS (
    SELECT
        item_orders.item_id,
        item_orders.customer_id,
        count(*)                                                               AS orders,
        count(*) FILTER (WHERE item_orders.ordered_at
                         >= settings.cutoff_at - INTERVAL 28 DAY)              AS recent_orders,
        count(*) FILTER (WHERE item_orders.ordered_at
                         >= settings.cutoff_at - INTERVAL 28 DAY
                         AND item_orders.basket_size >= settings.min_basket)   AS recent_large_orders
    FROM item_orders
    CROSS JOIN settings
    GROUP BY item_orders.item_id, item_orders.customer_id
),

sales AS (
    SELECT
        item_id,
        count(*) FILTER (WHERE recent_orders > 0)      AS count_buyers_28d,
        sum(recent_orders)                             AS count_orders_28d,
        sum(recent_large_orders)                       AS count_large_orders_28d,
        count(*)                                       AS buyers,
        count(*) FILTER (WHERE orders >= 2)            AS repeat_buyers
    FROM per_buyer
    GROUP BY item_id
),

prices AS (
    SELECT item_id, avg(price_amount) AS mean_price_amount,
           arg_max(category_id, ordered_at) AS last_category_id
    FROM item_orders
    GROUP BY item_id
),

items AS (
    SELECT item_id FROM sales
    UNION
    SELECT item_id FROM catalogue
)

SELECT
    items.item_id,
    coalesce(catalogue.category, prices.last_category_id)                     AS category,
    coalesce(catalogue.price_amount, prices.mean_price_amount)                AS price_amount,
    coalesce(sales.count_buyers_28d, 0)                                       AS count_buyers_28d,
    CAST(coalesce(sales.count_orders_28d, 0) AS BIGINT)                       AS count_orders_28d,
    CAST(coalesce(sales.count_large_orders_28d, 0) AS BIGINT)                 AS count_large_orders_28d,
    coalesce(sales.count_buyers_28d, 0) / greatest(recent_customers.customers, 1)
                                                                               AS penetration_28d,
    coalesce(sales.repeat_buyers / sales.buyers, 0.0)                         AS repeat_buyer_share
FROM items
CROSS JOIN recent_customers
LEFT JOIN catalogue USING (item_id)
LEFT JOIN sales USING (item_id)
LEFT JOIN prices USING (item_id)
