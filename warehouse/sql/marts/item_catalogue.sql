-- Mart: one row per item the shop knows: listed in the item catalogue (stg_items) or sold
-- (order_lines). Key: item_id. Feeds: item names wherever items are shown, the item search of
-- the Promote page (search_text, ranked by recent sales) and the item's card there.
-- item_name is NULL without a catalogue (RetailRocket items have no names): pages show the id.
-- category: the catalogue's, else the category of the item's last sale; price_amount: the
-- catalogue's, else the price of its last sale. count_orders_28d / count_buyers_28d: orders and
-- distinct customers with the item in the 28 days before the cut-off (its recent popularity).

WITH

catalogue AS (SELECT * FROM stg_items),
lines AS (SELECT * FROM order_lines),

sales AS (
    SELECT
        item_id,
        count(DISTINCT order_id)                                            AS count_orders,
        count(DISTINCT order_id) FILTER (
            WHERE ordered_at >= getvariable('cutoff_at') - INTERVAL 28 DAY) AS count_orders_28d,
        count(DISTINCT customer_id) FILTER (
            WHERE ordered_at >= getvariable('cutoff_at') - INTERVAL 28 DAY) AS count_buyers_28d,
        arg_max(category_id, ordered_at)                                    AS last_category_id,
        arg_max(price_amount, ordered_at)                                   AS last_price_amount,
        max(ordered_at)                                                     AS last_sold_at
    FROM lines
    WHERE item_id IS NOT NULL
    GROUP BY item_id
),

items AS (
    SELECT item_id FROM catalogue
    UNION
    SELECT item_id FROM sales
)

SELECT
    items.item_id,
    catalogue.item_name,
    coalesce(catalogue.category, sales.last_category_id)                    AS category,
    coalesce(catalogue.price_amount, sales.last_price_amount)               AS price_amount,
    coalesce(sales.count_orders, 0)                                         AS count_orders,
    coalesce(sales.count_orders_28d, 0)                                     AS count_orders_28d,
    coalesce(sales.count_buyers_28d, 0)                                     AS count_buyers_28d,
    sales.last_sold_at,
    lower(concat_ws(' ', items.item_id, catalogue.item_name,
                    coalesce(catalogue.category, sales.last_category_id)))  AS search_text
FROM items
LEFT JOIN catalogue USING (item_id)
LEFT JOIN sales USING (item_id)
ORDER BY count_orders_28d DESC, item_id
