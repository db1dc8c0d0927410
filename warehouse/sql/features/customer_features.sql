-- Features: one row per customer (RetailRocket visitor or orders-file customer) with any activity
-- before the cut-off getvariable('cutoff_at'); key customer_id. Feeds the predictive models, which
-- train on it at past cut-offs and score at the latest one.
--
-- Point in time: it reads only the staging views and order_lines as warehouse/features.py points
-- them at the cut-off, so it sees events, orders and item price/category records strictly before
-- it. A category is the one recorded for the item at the event (backward ASOF join on the log);
-- prices are order_lines' (the price at the purchase, else the earliest known before the
-- cut-off). Rows dated at or after the cut-off change no value here.
--
-- Activity = behaviour events + orders-file lines (as customer_summary counts them). Durations
-- in days (fractional, up to the cut-off); sessions in minutes; amounts in the shop's currency.
-- A session is a run of activity whose gaps are all under 30 minutes; its length runs from its
-- first to its last activity. is_repeat_visitor: activity on more than one calendar day (the
-- product's visit). count_events_last_Nd: activity in the N days before the cut-off.
-- frequency, recency, "T", monetary_value, first_purchase_value: the BTYD inputs of
-- warehouse/sql/clv_inputs.py in days, up to the as-of day (the last day starting before the
-- cut-off); NULL for non-buyers.

WITH

events AS (SELECT * FROM stg_events),
lines AS (SELECT * FROM order_lines),
item_categories AS (SELECT * FROM stg_item_categories),

cutoff AS (
    SELECT
        getvariable('cutoff_at')                                        AS cutoff_at,
        CAST(getvariable('cutoff_at') - INTERVAL 1 MICROSECOND AS DATE) AS as_of_date
),

activity AS (
    SELECT
        coalesce(CAST(customer_key AS VARCHAR), unkeyed_customer_id) AS customer_id,
        activity_at                                                   AS active_at
    FROM int_customer_activity
),

activity_gaps AS (
    SELECT
        customer_id,
        active_at,
        active_at - lag(active_at) OVER (PARTITION BY customer_id ORDER BY active_at) AS gap
    FROM activity
),

activity_summary AS (
    SELECT
        customer_id,
        min(active_at)                                                    AS first_event_at,
        max(active_at)                                                    AS last_event_at,
        count(*)                                                          AS count_events,
        count(DISTINCT CAST(active_at AS DATE))                           AS count_active_days,
        1 + count(*) FILTER (WHERE gap >= INTERVAL 30 MINUTE)             AS count_sessions,
        -- the time inside sessions: the whole span minus the gaps between sessions
        epoch(max(active_at) - min(active_at))
            - coalesce(sum(epoch(gap)) FILTER (WHERE gap >= INTERVAL 30 MINUTE), 0)
                                                                          AS session_seconds,
        count(*) FILTER (WHERE active_at >= cutoff_at - INTERVAL 1 DAY)   AS count_events_last_1d,
        count(*) FILTER (WHERE active_at >= cutoff_at - INTERVAL 7 DAY)   AS count_events_last_7d,
        count(*) FILTER (WHERE active_at >= cutoff_at - INTERVAL 30 DAY)  AS count_events_last_30d
    FROM activity_gaps
    CROSS JOIN cutoff
    GROUP BY customer_id
),

event_counts AS (  -- by the integer visitor key: the bulk of the rows
    SELECT
        CAST(visitor_key AS VARCHAR)                       AS customer_id,
        count(*) FILTER (WHERE event_type = 'view')        AS count_views,
        count(*) FILTER (WHERE event_type = 'addtocart')   AS count_cart_adds
    FROM events
    GROUP BY visitor_key
),

category_log AS (  -- one category per item and instant: ties keep the highest id
    SELECT item_id, valid_from_at, max(category_id) AS category_id
    FROM item_categories
    WHERE category_id IS NOT NULL
    GROUP BY item_id, valid_from_at
),

event_items AS (
    SELECT event.customer_id, event.item_id, category.category_id
    FROM events AS event
    ASOF LEFT JOIN category_log AS category
        ON event.item_id = category.item_id AND event.event_at >= category.valid_from_at
),

touched_items AS (
    SELECT customer_id, item_id, category_id FROM event_items
    UNION ALL
    SELECT customer_id, item_id, category_id FROM lines WHERE source = 'orders'
),

item_summary AS (
    SELECT
        customer_id,
        count(DISTINCT item_id)       AS count_distinct_items,
        count(DISTINCT category_id)   AS count_distinct_categories
    FROM touched_items
    GROUP BY customer_id
),

purchase_summary AS (
    SELECT
        customer_id,
        count(*)                       AS count_purchases,
        count(DISTINCT order_id)       AS count_orders,
        sum(quantity)                  AS count_items,
        sum(line_amount)               AS gmv_amount,
        min(ordered_at)                AS first_purchase_at,
        max(ordered_at)                AS last_purchase_at
    FROM lines
    GROUP BY customer_id
),

purchase_days AS (
    SELECT
        customer_id,
        order_date                               AS purchase_date,
        CAST(sum(line_amount) AS DOUBLE)         AS day_amount,
        min(order_date) OVER (PARTITION BY customer_id) AS first_date
    FROM lines
    GROUP BY customer_id, order_date
),

clv_inputs AS (
    SELECT
        customer_id,
        count(*) - 1                                              AS frequency,
        datediff('day', first_date, max(purchase_date))           AS recency,
        datediff('day', first_date, any_value(as_of_date))        AS "T",
        coalesce(avg(day_amount) FILTER (WHERE purchase_date > first_date), 0.0)
                                                                  AS monetary_value,
        coalesce(sum(day_amount) FILTER (WHERE purchase_date = first_date), 0.0)
                                                                  AS first_purchase_value
    FROM purchase_days
    CROSS JOIN cutoff
    GROUP BY customer_id, first_date
)

SELECT
    activity.customer_id,
    cutoff.cutoff_at,
    activity.first_event_at,
    activity.last_event_at,
    epoch(cutoff.cutoff_at - activity.first_event_at) / 86400             AS days_since_first_event,
    epoch(cutoff.cutoff_at - activity.last_event_at) / 86400              AS days_since_last_event,
    activity.count_events,
    coalesce(events.count_views, 0)                                       AS count_views,
    coalesce(events.count_cart_adds, 0)                                   AS count_cart_adds,
    coalesce(purchases.count_purchases, 0)                                AS count_purchases,
    coalesce(purchases.count_orders, 0)                                   AS count_orders,
    CAST(coalesce(purchases.count_items, 0) AS BIGINT)                    AS count_items,
    coalesce(items.count_distinct_items, 0)                               AS count_distinct_items,
    coalesce(items.count_distinct_categories, 0)                          AS count_distinct_categories,
    CAST(coalesce(purchases.gmv_amount, 0) AS DOUBLE)                     AS gmv_amount,
    purchases.first_purchase_at,
    purchases.last_purchase_at,
    epoch(cutoff.cutoff_at - purchases.last_purchase_at) / 86400          AS days_since_last_purchase,
    activity.count_sessions,
    activity.session_seconds / 60 / activity.count_sessions               AS avg_session_minutes,
    activity.count_active_days,
    activity.count_active_days > 1                                        AS is_repeat_visitor,
    activity.count_events_last_1d,
    activity.count_events_last_7d,
    activity.count_events_last_30d,
    CAST(clv.frequency AS BIGINT)                                         AS frequency,
    CAST(clv.recency AS BIGINT)                                           AS recency,
    CAST(clv."T" AS BIGINT)                                               AS "T",
    clv.monetary_value,
    clv.first_purchase_value
FROM activity_summary AS activity
CROSS JOIN cutoff
LEFT JOIN event_counts AS events USING (customer_id)
LEFT JOIN item_summary AS items USING (customer_id)
LEFT JOIN purchase_summary AS purchases USING (customer_id)
LEFT JOIN clv_inputs AS clv USING (customer_id)
