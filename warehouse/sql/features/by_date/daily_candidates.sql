-- Features: the daily_candidates feature set (../daily_candidates.sql) for many report dates in
-- one pass. One row per report date D in the temp table daily_batch_dates(report_date DATE) and
-- candidate of D; key (report_date, customer_id); the same columns and values as
-- daily_candidates at the cut-off D, with report_date first. Feeds the daily list's cache
-- (warehouse/daily/cache.py), which would otherwise scan every event once per report date.
--
-- Point in time: the views are pointed at the latest cut-off M (every D <= M); each value of D
-- reads only rows before D. A cut-off is a midnight, so D's 24 hours are the calendar day
-- D - 1, every candidate of D is active on it, and a candidate's history before D is its active
-- days up to D - 1: the history-wide figures are running totals over the candidate's active
-- days, read on day D - 1. A session break is a gap of 30 minutes or more before an activity
-- (to the customer's previous activity: the same whichever later cut-off the rows are read at);
-- inside day D - 1 only breaks from an activity of the same day count, as daily_candidates
-- splits sessions at the window's start. Prices and categories: the backward ASOF lookup reads
-- only records at or before the event, so the same at M. Purchases: order_lines at M holds
-- every line before D with the same order, date and price, except the fallback of a purchase
-- made before its item's first known price (docs/METHODS.md): at D that price is known only if
-- it was recorded before D, else the line is worth 0, as order_lines at D has it
-- (daily_line_values: order_lines at M with each line's first_priced_at, warehouse/daily/data.py).

WITH

-- The views are read where they are used, never copied whole (tens of millions of events).
events AS NOT MATERIALIZED (SELECT * FROM stg_events),
activity AS NOT MATERIALIZED (SELECT * FROM int_customer_activity),
lines AS NOT MATERIALIZED (SELECT * FROM daily_line_values),  -- order_lines at M, first price
item_prices AS NOT MATERIALIZED (SELECT * FROM stg_item_prices),
item_categories AS NOT MATERIALIZED (SELECT * FROM stg_item_categories),

report_dates AS (
    SELECT DISTINCT
        report_date,
        CAST(report_date AS TIMESTAMP)      AS cutoff_at,
        CAST(report_date - 1 AS DATE)       AS window_day,
        CAST(report_date - 1 AS DATE)       AS as_of_date
    FROM daily_batch_dates
),

candidate_keys AS (  -- the visitors active on any report date's window day
    SELECT DISTINCT activity.customer_key, activity.unkeyed_customer_id
    FROM activity
    WHERE CAST(activity.activity_at AS DATE) IN (SELECT window_day FROM report_dates)
),

history AS (  -- every activity of those visitors (an equality join skips NULL keys)
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
        customer_id,
        activity_at,
        activity_type,
        CAST(activity_at AS DATE)                                          AS day,
        activity_at - lag(activity_at) OVER (PARTITION BY customer_id ORDER BY activity_at)
                                                                           AS gap
    FROM history
),

breaks AS (
    SELECT
        *,
        gap >= INTERVAL 30 MINUTE                                          AS is_break,
        gap >= INTERVAL 30 MINUTE AND activity_at - gap >= CAST(day AS TIMESTAMP)
                                                                           AS is_break_in_day
    FROM history_gaps
),

active_days AS (  -- one row per customer and active day
    SELECT
        customer_id,
        day,
        min(activity_at)                                                   AS first_at,
        max(activity_at)                                                   AS last_at,
        count(*)                                                           AS count_events,
        count(*) FILTER (WHERE is_break)                                   AS count_breaks,
        coalesce(sum(epoch(gap)) FILTER (WHERE is_break), 0)               AS break_seconds,
        count(*) FILTER (WHERE is_break_in_day)                            AS count_breaks_in_day,
        coalesce(sum(epoch(gap)) FILTER (WHERE is_break_in_day), 0)        AS break_seconds_in_day,
        count(*) FILTER (WHERE activity_type IN ('transaction', 'order_line'))
                                                                           AS count_purchases
    FROM breaks
    GROUP BY customer_id, day
),

candidate_events AS (  -- those visitors' behaviour events (the orders file has none)
    SELECT
        events.customer_id,
        events.event_at,
        CAST(events.event_at AS DATE) AS day,
        events.event_type,
        events.item_id
    FROM events
    SEMI JOIN candidate_keys AS keys ON events.visitor_key = keys.customer_key
),

first_seen_items AS (  -- the day each item first appears in a visitor's events
    SELECT customer_id, min(day) AS day, count(*) AS first_seen
    FROM (SELECT customer_id, item_id, min(day) AS day
          FROM candidate_events
          WHERE item_id IS NOT NULL
          GROUP BY customer_id, item_id)
    GROUP BY customer_id, day
),

event_days AS (
    SELECT
        customer_id,
        day,
        count(*) FILTER (WHERE event_type = 'view')                        AS count_views,
        count(*) FILTER (WHERE event_type = 'addtocart')                   AS count_cart_adds,
        count(DISTINCT item_id) FILTER (WHERE event_type = 'addtocart')    AS count_carted_items
    FROM candidate_events
    GROUP BY customer_id, day
),

running AS (  -- each active day with the totals of the customer's days up to it
    SELECT
        days.customer_id,
        days.day,
        days.first_at,
        days.last_at,
        days.count_events,
        days.count_purchases,
        days.count_breaks_in_day,
        days.break_seconds_in_day,
        coalesce(event_days.count_views, 0)                                AS day_views,
        coalesce(event_days.count_cart_adds, 0)                            AS day_cart_adds,
        coalesce(event_days.count_carted_items, 0)                         AS day_carted_items,
        min(days.first_at) OVER until_now                                  AS first_activity_at,
        lag(days.last_at) OVER by_day                                      AS previous_visit_at,
        count(*) OVER until_now                                            AS count_active_days,
        CAST(sum(days.count_breaks) OVER until_now AS BIGINT)              AS count_breaks,
        sum(days.break_seconds) OVER until_now                             AS break_seconds,
        CAST(sum(coalesce(event_days.count_views, 0)) OVER until_now AS BIGINT)
                                                                           AS count_views,
        CAST(sum(coalesce(event_days.count_cart_adds, 0)) OVER until_now AS BIGINT)
                                                                           AS count_cart_adds,
        CAST(sum(coalesce(first_seen.first_seen, 0)) OVER until_now AS BIGINT)
                                                                           AS count_distinct_items
    FROM active_days AS days
    LEFT JOIN event_days USING (customer_id, day)
    LEFT JOIN first_seen_items AS first_seen USING (customer_id, day)
    WINDOW
        by_day AS (PARTITION BY days.customer_id ORDER BY days.day),
        until_now AS (PARTITION BY days.customer_id ORDER BY days.day
                      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),

candidates AS (  -- the candidates of each report date: active on its window day
    SELECT report_dates.*, running.*
    FROM running
    JOIN report_dates ON running.day = report_dates.window_day
),

recent_events AS (  -- every event of a window day is a candidate's
    SELECT
        events.customer_id,
        events.event_type,
        events.item_id,
        events.event_at,
        report_dates.report_date
    FROM events
    JOIN report_dates ON CAST(events.event_at AS DATE) = report_dates.window_day
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
    SELECT recent.customer_id, recent.report_date, recent.event_type, recent.item_id,
           price.price_amount, recent.event_at
    FROM recent_events AS recent
    ASOF LEFT JOIN price_log AS price
        ON recent.item_id = price.item_id AND recent.event_at >= price.valid_from_at
),

recent_items AS (
    SELECT
        priced.customer_id,
        priced.report_date,
        count(DISTINCT priced.item_id)                                       AS count_distinct_items_24h,
        count(DISTINCT category.category_id)                                 AS count_distinct_categories_24h,
        avg(priced.price_amount) FILTER (WHERE priced.event_type = 'view')   AS avg_view_price_24h,
        max(priced.price_amount) FILTER (WHERE priced.event_type = 'view')   AS max_view_price_24h,
        avg(priced.price_amount) FILTER (WHERE priced.event_type = 'addtocart')
                                                                             AS avg_cart_price_24h
    FROM priced_events AS priced
    ASOF LEFT JOIN category_log AS category
        ON priced.item_id = category.item_id AND priced.event_at >= category.valid_from_at
    GROUP BY priced.customer_id, priced.report_date
),

candidate_lines AS (  -- each candidate's lines before its report date, valued as at that date
    SELECT
        candidate.customer_id,
        candidate.report_date,
        line.order_id,
        line.ordered_at,
        line.order_date,
        CASE WHEN line.source = 'events' AND line.is_price_imputed
                  AND coalesce(line.first_priced_at >= candidate.cutoff_at, true)
             THEN 0.0 ELSE line.line_amount END                           AS line_amount
    FROM candidates AS candidate
    JOIN lines AS line ON line.customer_id = candidate.customer_id
                      AND line.ordered_at < candidate.cutoff_at
),

purchase_summary AS (
    SELECT
        customer_id,
        report_date,
        count(DISTINCT order_id)      AS count_orders,
        sum(line_amount)              AS gmv_amount,
        max(ordered_at)               AS last_purchase_at,
        max(order_date)               AS last_order_date
    FROM candidate_lines
    GROUP BY customer_id, report_date
)

SELECT
    summary.report_date,
    summary.customer_id,
    summary.cutoff_at,
    summary.count_events                                                  AS count_events_24h,
    summary.day_views                                                     AS count_views_24h,
    summary.day_cart_adds                                                 AS count_cart_adds_24h,
    summary.day_carted_items                                              AS count_carted_items_24h,
    summary.count_purchases                                               AS count_purchases_24h,
    coalesce(items.count_distinct_items_24h, 0)                           AS count_distinct_items_24h,
    coalesce(items.count_distinct_categories_24h, 0)                      AS count_distinct_categories_24h,
    items.avg_view_price_24h,
    items.max_view_price_24h,
    items.avg_cart_price_24h,
    1 + summary.count_breaks_in_day                                       AS count_sessions_24h,
    (epoch(summary.last_at - summary.first_at) - summary.break_seconds_in_day) / 60
                                                                          AS session_minutes_24h,
    hour(summary.last_at)                                                 AS hour_of_last_activity,
    epoch(summary.cutoff_at - summary.last_at) / 3600                     AS hours_since_last_activity,
    summary.previous_visit_at IS NOT NULL                                 AS is_repeat_visitor,
    epoch(summary.cutoff_at - summary.previous_visit_at) / 86400          AS days_since_previous_visit,
    epoch(summary.cutoff_at - summary.first_activity_at) / 86400          AS days_since_first_activity,
    summary.count_active_days,
    summary.count_active_days = 1                                         AS is_single_visit,
    1 + summary.count_breaks                                              AS count_sessions,
    (epoch(summary.last_at - summary.first_activity_at) - summary.break_seconds) / 60
        / (1 + summary.count_breaks)                                      AS avg_session_minutes,
    summary.count_views,
    summary.count_cart_adds,
    summary.count_distinct_items,
    coalesce(purchases.count_orders, 0)                                   AS count_orders,
    CAST(coalesce(purchases.gmv_amount, 0) AS DOUBLE)                     AS gmv_amount,
    epoch(summary.cutoff_at - purchases.last_purchase_at) / 86400         AS days_since_last_purchase,
    date_diff('day', purchases.last_order_date, summary.as_of_date)       AS recency_days
FROM candidates AS summary
LEFT JOIN recent_items AS items USING (customer_id, report_date)
LEFT JOIN purchase_summary AS purchases USING (customer_id, report_date)
