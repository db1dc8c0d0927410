-- Mart: one row per purchased item line.
-- Key: (order_id, line_number), line_number = 1..basket_size within the order, so the contract key
-- (order_id, item_id, line_number) is unique too; item_id is NULL only for orders-file lines
-- that name no item.
-- Feeds: daily_kpis, daily_*_gmv, customer_summary, refresh_info and the RFM / CLV steps.
--
-- RetailRocket: every `transaction` event is a line of quantity 1 (order_id = transactionid).
-- Price and category are those in force at the moment of the event: one backward ASOF join on
-- the item's states (int_purchased_item_states), so a value recorded after the event is never
-- used (unreadable values are ignored). Two documented exceptions
-- (docs/METHODS.md, "Prices and categories at the time of an event"):
--   * a purchase made before the item's first known price takes the item's earliest known price
--     and is flagged is_price_imputed (a purchase before the first known category likewise takes
--     the earliest known category);
--   * an item never priced gets price_amount NULL, line_amount 0 and is_price_imputed; the refresh
--     counts such lines in refresh_info.
-- Orders file: line_amount = amount, price_amount = amount / quantity; the category is the item's
-- in the item catalogue (stg_items), if one was loaded, and its top level is the part before
-- ' / ' ("dairy eggs / milk" -> "dairy eggs"; a category without one is its own top level).
-- order_date is the date of the order's first line, so a basket is never split across two days.
-- GMV is always sum(line_amount).

WITH RECURSIVE

events AS (SELECT * FROM stg_events),
orders AS (SELECT * FROM stg_orders),
item_states AS (SELECT * FROM int_purchased_item_states),
category_tree AS (SELECT * FROM stg_category_tree),
catalogue AS (SELECT * FROM stg_items),

event_purchases AS (
    SELECT customer_id, order_id, item_id, event_at AS ordered_at
    FROM events
    WHERE event_type = 'transaction' AND order_id IS NOT NULL
),

category_roots AS (  -- walk down from every top category (no parent, or a parent not in the tree)
    SELECT category_id, category_id AS root_category_id, 0 AS depth
    FROM category_tree
    WHERE parent_category_id IS NULL
       OR parent_category_id NOT IN (SELECT category_id FROM category_tree)
    UNION ALL
    SELECT child.category_id, parent.root_category_id, parent.depth + 1
    FROM category_tree AS child
    JOIN category_roots AS parent ON child.parent_category_id = parent.category_id
    WHERE parent.depth < 50
),

event_lines AS (
    SELECT
        purchase.customer_id,
        purchase.order_id,
        purchase.ordered_at,
        purchase.item_id,
        coalesce(state.category_id, state.earliest_category_id)             AS category_id,
        coalesce(state.price_amount, state.earliest_price_amount)           AS price_amount,
        CAST(1 AS INTEGER)                                                  AS quantity,
        coalesce(state.price_amount, state.earliest_price_amount, 0.0)      AS line_amount,
        state.price_amount IS NULL                                          AS is_price_imputed,
        'events'                                                            AS source
    FROM event_purchases AS purchase
    ASOF LEFT JOIN item_states AS state
        ON purchase.item_id = state.item_id AND purchase.ordered_at >= state.valid_from_at
),

file_lines AS (
    SELECT
        orders.customer_id,
        orders.order_id,
        orders.ordered_at,
        orders.item_id,
        catalogue.category                             AS category_id,
        orders.amount / nullif(orders.quantity, 0)     AS price_amount,
        orders.quantity,
        orders.amount                                  AS line_amount,
        false                                          AS is_price_imputed,
        'orders'                                       AS source
    FROM orders
    LEFT JOIN catalogue ON catalogue.item_id = orders.item_id
),

all_lines AS (
    SELECT * FROM event_lines
    UNION ALL BY NAME
    SELECT * FROM file_lines
),

numbered_lines AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY order_id
            ORDER BY ordered_at, source, item_id, line_amount, quantity, customer_id
        )                                                      AS line_number,
        count(*) OVER (PARTITION BY order_id)                  AS basket_size,
        CAST(min(ordered_at) OVER (PARTITION BY order_id) AS DATE) AS order_date
    FROM all_lines
)

SELECT
    line.customer_id,
    line.order_id,
    line.line_number,
    line.ordered_at,
    line.order_date,
    line.item_id,
    line.category_id,
    coalesce(category_roots.root_category_id,
             CASE WHEN line.source = 'orders' THEN split_part(line.category_id, ' / ', 1) END)
                                                           AS root_category_id,
    line.price_amount,
    line.quantity,
    line.line_amount,
    line.basket_size,
    line.is_price_imputed,
    line.source
FROM numbered_lines AS line
LEFT JOIN category_roots USING (category_id)
ORDER BY line.ordered_at, line.order_id, line.line_number
