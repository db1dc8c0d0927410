-- Mart: one row per visitor or customer seen up to the as-of date (RetailRocket visitors and
-- orders-file customers alike). Key: customer_id.
-- Feeds: RFM, behavioural segments, clusters, CLV inputs and the wide `customers` view.
--
-- An "event" is a behaviour event or an orders-file line; first/last_event_at and count_events
-- cover both. count_orders counts distinct orders, count_items sums quantities, gmv_amount sums
-- line_amount, avg_basket_size = order lines / orders (0 for a customer who never bought).
-- is_single_visit: all of the customer's activity falls on one calendar day (one visit, as the
-- traffic KPI counts visits); the behavioural segments and snapshots use this one definition.

WITH

activity AS NOT MATERIALIZED (SELECT * FROM int_customer_activity),  -- read twice, never stored
lines AS (SELECT * FROM order_lines),

-- Grouped by the integer key alone where there is one: a second key column, even one that is
-- always NULL there, made grouping the 27 M events of a scale-10 shop 40 % slower.
keyed_activity AS (
    SELECT
        customer_key,
        min(activity_at)                                                AS first_event_at,
        max(activity_at)                                                AS last_event_at,
        count(*)                                                        AS count_events,
        count(*) FILTER (WHERE activity_type = 'view')                  AS count_views,
        count(*) FILTER (WHERE activity_type = 'addtocart')             AS count_cart_adds
    FROM activity
    WHERE customer_key IS NOT NULL
    GROUP BY customer_key
),

unkeyed_activity AS (
    SELECT
        unkeyed_customer_id,
        min(activity_at)                                                AS first_event_at,
        max(activity_at)                                                AS last_event_at,
        count(*)                                                        AS count_events,
        count(*) FILTER (WHERE activity_type = 'view')                  AS count_views,
        count(*) FILTER (WHERE activity_type = 'addtocart')             AS count_cart_adds
    FROM activity
    WHERE customer_key IS NULL
    GROUP BY unkeyed_customer_id
),

customer_activity AS (
    SELECT CAST(customer_key AS VARCHAR) AS customer_id, * EXCLUDE (customer_key)
    FROM keyed_activity
    UNION ALL
    SELECT unkeyed_customer_id AS customer_id, * EXCLUDE (unkeyed_customer_id)
    FROM unkeyed_activity
),

customer_purchases AS (
    SELECT
        customer_id,
        min(ordered_at)                AS first_purchase_at,
        max(ordered_at)                AS last_purchase_at,
        count(DISTINCT order_id)       AS count_orders,
        count(*)                       AS count_lines,
        sum(quantity)                  AS count_items,
        sum(line_amount)               AS gmv_amount
    FROM lines
    GROUP BY customer_id
)

SELECT
    activity.customer_id,
    activity.first_event_at,
    activity.last_event_at,
    purchases.first_purchase_at,
    purchases.last_purchase_at,
    activity.count_events,
    activity.count_views,
    activity.count_cart_adds,
    CAST(activity.first_event_at AS DATE) = CAST(activity.last_event_at AS DATE)
                                                            AS is_single_visit,
    coalesce(purchases.count_orders, 0)                     AS count_orders,
    CAST(coalesce(purchases.count_items, 0) AS BIGINT)      AS count_items,
    CAST(coalesce(purchases.gmv_amount, 0) AS DOUBLE)       AS gmv_amount,
    coalesce(purchases.count_lines / purchases.count_orders, 0.0) AS avg_basket_size
FROM customer_activity AS activity
LEFT JOIN customer_purchases AS purchases USING (customer_id)
