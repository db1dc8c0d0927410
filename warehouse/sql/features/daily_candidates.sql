-- Features: one row per candidate of the daily contact list for report date D = the cut-off
-- getvariable('cutoff_at') (midnight UTC), that is one row per visitor or customer with any
-- activity in the 24 hours before it, [D - 24 h, D); key customer_id. Feeds the daily list's
-- model (warehouse/daily/), which trains on it at past report dates and scores at D.
--
-- Point in time: it reads only the staging views, int_customer_activity and order_lines as
-- warehouse/features.py points them at the cut-off, so nothing at or after D changes a value.
--
-- Activity = behaviour events + orders-file lines, as int_customer_activity merges them.
-- *_24h: inside the last 24 hours; the rest: all history before D. A session is a run of
-- activity whose gaps are all under 30 minutes; its length runs from its first to its last
-- activity (24 h sessions are cut at the window's start). Prices are those in force at the event
-- (backward ASOF join on the price log; an item viewed before its first price has none and is
-- left out of the averages); categories likewise. Times in UTC; durations in days unless named
-- *_minutes or hours_*. recency_days counts calendar days from the last order's date to D's eve
-- (the as-of date), as customer_rfm does; NULL for customers who never ordered.

WITH

events AS (SELECT * FROM stg_events),
activity AS (SELECT * FROM int_customer_activity),
lines AS (SELECT * FROM order_lines),
item_prices AS (SELECT * FROM stg_item_prices),
item_categories AS (SELECT * FROM stg_item_categories),

cutoff AS (
    SELECT
        getvariable('cutoff_at')                                        AS cutoff_at,
        getvariable('cutoff_at') - INTERVAL 1 DAY                       AS window_start_at,
        CAST(getvariable('cutoff_at') - INTERVAL 1 MICROSECOND AS DATE) AS as_of_date
),

candidate_keys AS (  -- the visitors active in [D - 24 h, D), keyed as int_customer_activity
    SELECT DISTINCT activity.customer_key, activity.unkeyed_customer_id
    FROM activity
    CROSS JOIN cutoff
    WHERE activity.activity_at >= cutoff.window_start_at
),

history AS (  -- every activity of the candidates before D (an equality join skips NULL keys)
    SELECT
        coalesce(CAST(activity.customer_key AS VARCHAR), activity.unkeyed_customer_id)
                                                               AS customer_id,
        activity.activity_at,
        activity.activity_type
    FROM activity
    SEMI JOIN candidate_keys AS keys ON activity.customer_key = keys.customer_key
    UNION ALL
    SELECT activity.unkeyed_customer_id, activity.activity_at, activity.activity_type
    FROM activity
    SEMI JOIN candidate_keys AS keys ON activity.unkeyed_customer_id = keys.unkeyed_customer_id
),

history_gaps AS (
    SELECT
        history.*,
        history.activity_at >= cutoff.window_start_at                     AS is_recent,
        activity_at - lag(activity_at) OVER (PARTITION BY customer_id ORDER BY activity_at)
                                                                          AS gap,
        activity_at - lag(activity_at) OVER (PARTITION BY customer_id, is_recent ORDER BY activity_at)
                                                                          AS same_part_gap
    FROM history
    CROSS JOIN cutoff
),

activity_summary AS (
    SELECT
        customer_id,
        min(activity_at)                                                  AS first_activity_at,
        max(activity_at)                                                  AS last_activity_at,
        max(activity_at) FILTER (WHERE NOT is_recent)                     AS previous_visit_at,
        count(DISTINCT CAST(activity_at AS DATE))                         AS count_active_days,
        1 + count(*) FILTER (WHERE gap >= INTERVAL 30 MINUTE)             AS count_sessions,
        epoch(max(activity_at) - min(activity_at))
            - coalesce(sum(epoch(gap)) FILTER (WHERE gap >= INTERVAL 30 MINUTE), 0)
                                                                          AS session_seconds,
        count(*) FILTER (WHERE is_recent)                                 AS count_events_24h,
        1 + count(*) FILTER (WHERE is_recent AND same_part_gap >= INTERVAL 30 MINUTE)
                                                                          AS count_sessions_24h,
        epoch(max(activity_at) FILTER (WHERE is_recent)
              - min(activity_at) FILTER (WHERE is_recent))
            - coalesce(sum(epoch(same_part_gap))
                       FILTER (WHERE is_recent AND same_part_gap >= INTERVAL 30 MINUTE), 0)
                                                                          AS session_seconds_24h,
        count(*) FILTER (WHERE is_recent AND activity_type IN ('transaction', 'order_line'))
                                                                          AS count_purchases_24h
    FROM history_gaps
    GROUP BY customer_id
),

candidate_events AS (  -- the candidates' behaviour events (the orders file has none)
    SELECT
        events.customer_id,
        events.event_at,
        events.event_type,
        events.item_id,
        events.event_at >= cutoff.window_start_at AS is_recent
    FROM events
    SEMI JOIN candidate_keys AS keys ON events.visitor_key = keys.customer_key
    CROSS JOIN cutoff
),

event_summary AS (
    SELECT
        customer_id,
        count(*) FILTER (WHERE event_type = 'view')                       AS count_views,
        count(*) FILTER (WHERE event_type = 'addtocart')                  AS count_cart_adds,
        count(DISTINCT item_id)                                           AS count_distinct_items,
        count(*) FILTER (WHERE is_recent AND event_type = 'view')         AS count_views_24h,
        count(*) FILTER (WHERE is_recent AND event_type = 'addtocart')    AS count_cart_adds_24h,
        count(DISTINCT item_id) FILTER (WHERE is_recent AND event_type = 'addtocart')
                                                                          AS count_carted_items_24h
    FROM candidate_events
    GROUP BY customer_id
),

recent_events AS (
    SELECT * FROM candidate_events WHERE is_recent
),

price_log AS (  -- one price per item and instant: ties keep the highest
    SELECT item_id, valid_from_at, max(price_amount) AS price_amount
    FROM item_prices
    WHERE price_amount IS NOT NULL AND item_id IN (SELECT item_id FROM recent_events)
    GROUP BY item_id, valid_from_at
),

category_log AS (  -- one category per item and instant: ties keep the highest id
    SELECT item_id, valid_from_at, max(category_id) AS category_id
    FROM item_categories
    WHERE category_id IS NOT NULL AND item_id IN (SELECT item_id FROM recent_events)
    GROUP BY item_id, valid_from_at
),

priced_events AS (
    SELECT recent.customer_id, recent.event_type, recent.item_id, price.price_amount,
           recent.event_at
    FROM recent_events AS recent
    ASOF LEFT JOIN price_log AS price
        ON recent.item_id = price.item_id AND recent.event_at >= price.valid_from_at
),

recent_items AS (
    SELECT
        priced.customer_id,
        count(DISTINCT priced.item_id)                                       AS count_distinct_items_24h,
        count(DISTINCT category.category_id)                                 AS count_distinct_categories_24h,
        avg(priced.price_amount) FILTER (WHERE priced.event_type = 'view')   AS avg_view_price_24h,
        max(priced.price_amount) FILTER (WHERE priced.event_type = 'view')   AS max_view_price_24h,
        avg(priced.price_amount) FILTER (WHERE priced.event_type = 'addtocart')
                                                                             AS avg_cart_price_24h
    FROM priced_events AS priced
    ASOF LEFT JOIN category_log AS category
        ON priced.item_id = category.item_id AND priced.event_at >= category.valid_from_at
    GROUP BY priced.customer_id
),

candidate_ids AS (
    SELECT DISTINCT customer_id FROM history
),

purchase_summary AS (
    SELECT
        lines.customer_id,
        count(DISTINCT lines.order_id)      AS count_orders,
        sum(lines.line_amount)              AS gmv_amount,
        max(lines.ordered_at)               AS last_purchase_at,
        max(lines.order_date)               AS last_order_date
    FROM lines
    SEMI JOIN candidate_ids USING (customer_id)
    GROUP BY lines.customer_id
)

SELECT
    summary.customer_id,
    cutoff.cutoff_at,
    summary.count_events_24h,
    coalesce(events.count_views_24h, 0)                                   AS count_views_24h,
    coalesce(events.count_cart_adds_24h, 0)                               AS count_cart_adds_24h,
    coalesce(events.count_carted_items_24h, 0)                            AS count_carted_items_24h,
    summary.count_purchases_24h,
    coalesce(items.count_distinct_items_24h, 0)                           AS count_distinct_items_24h,
    coalesce(items.count_distinct_categories_24h, 0)                      AS count_distinct_categories_24h,
    items.avg_view_price_24h,
    items.max_view_price_24h,
    items.avg_cart_price_24h,
    summary.count_sessions_24h,
    summary.session_seconds_24h / 60                                      AS session_minutes_24h,
    hour(summary.last_activity_at)                                        AS hour_of_last_activity,
    epoch(cutoff.cutoff_at - summary.last_activity_at) / 3600             AS hours_since_last_activity,
    summary.previous_visit_at IS NOT NULL                                 AS is_repeat_visitor,
    epoch(cutoff.cutoff_at - summary.previous_visit_at) / 86400           AS days_since_previous_visit,
    epoch(cutoff.cutoff_at - summary.first_activity_at) / 86400           AS days_since_first_activity,
    summary.count_active_days,
    summary.count_active_days = 1                                         AS is_single_visit,
    summary.count_sessions,
    summary.session_seconds / 60 / summary.count_sessions                 AS avg_session_minutes,
    coalesce(events.count_views, 0)                                       AS count_views,
    coalesce(events.count_cart_adds, 0)                                   AS count_cart_adds,
    coalesce(events.count_distinct_items, 0)                              AS count_distinct_items,
    coalesce(purchases.count_orders, 0)                                   AS count_orders,
    CAST(coalesce(purchases.gmv_amount, 0) AS DOUBLE)                     AS gmv_amount,
    epoch(cutoff.cutoff_at - purchases.last_purchase_at) / 86400          AS days_since_last_purchase,
    date_diff('day', purchases.last_order_date, cutoff.as_of_date)        AS recency_days
FROM activity_summary AS summary
CROSS JOIN cutoff
LEFT JOIN event_summary AS events USING (customer_id)
LEFT JOIN recent_items AS items USING (customer_id)
LEFT JOIN purchase_summary AS purchases USING (customer_id)
