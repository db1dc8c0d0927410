-- Features: one row per customer of the population uplift_population (customer_id) with any
-- activity before the cut-off getvariable('cutoff_at'); key customer_id. Feeds the uplift models
-- (warehouse/pipeline/steps/uplift.py): they train on it as of each campaign's launch (the
-- population: the campaign's customers) and score on it as of the refresh's cut-off (the
-- population: every customer who bought). The caller names the population (a table or view
-- uplift_population with a customer_id column) before building the set.
--
-- A lean cousin of customer_features.sql, built at every refresh: one aggregation of the
-- population's activity by its integer key and one of its order lines, no per-event window or
-- item lookups. The activity is cut down to the population's before it is grouped (a hash
-- semi-join on the integer key), so the cost follows the population, not the 14 M visitors of a
-- scale-10 log. What response to a contact depends on in behaviour logs is here: how engaged
-- (views, cart adds, days active, visits, visits without a purchase and their cart adds, recent
-- activity), how recent, whether and how much the customer bought.
--
-- Point in time: it reads only int_customer_activity and order_lines as warehouse/features.py
-- points them at the cut-off, so rows dated at or after it change no value. Durations in whole
-- days up to the cut-off; amounts in the shop's currency. Counts of a customer without the
-- activity are 0; days since a purchase is NULL for customers who never bought.

WITH

activity AS (SELECT * FROM int_customer_activity),
lines AS (SELECT * FROM order_lines),

cutoff AS (
    SELECT getvariable('cutoff_at') AS cutoff_at
),

-- The population named as int_customer_activity names customers: an integer key where the id is
-- a plain whole number, the text id otherwise.
population AS (
    SELECT
        customer_id,
        CASE WHEN CAST(number_id AS VARCHAR) = customer_id THEN number_id END AS customer_key
    FROM (
        SELECT DISTINCT customer_id, TRY_CAST(customer_id AS BIGINT) AS number_id
        FROM uplift_population
    )
),

keyed_activity AS (
    SELECT
        coalesce(CAST(customer_key AS VARCHAR), unkeyed_customer_id) AS customer_id,
        activity_at,
        activity_type
    FROM activity
    WHERE customer_key IN (SELECT customer_key FROM population WHERE customer_key IS NOT NULL)
       OR unkeyed_customer_id IN (SELECT customer_id FROM population WHERE customer_key IS NULL)
),

activity_summary AS (
    SELECT
        customer_id,
        min(activity_at)                                                        AS first_event_at,
        max(activity_at)                                                        AS last_event_at,
        count(*)                                                                AS count_events,
        count(*) FILTER (WHERE activity_type = 'view')                          AS count_views,
        count(*) FILTER (WHERE activity_type = 'addtocart')                     AS count_cart_adds,
        count(DISTINCT CAST(activity_at AS DATE))                               AS count_active_days,
        count(*) FILTER (WHERE activity_at >= cutoff_at - INTERVAL 7 DAY)       AS count_events_last_7d,
        count(*) FILTER (WHERE activity_at >= cutoff_at - INTERVAL 30 DAY)      AS count_events_last_30d,
        count(*) FILTER (WHERE activity_type = 'addtocart'
                           AND activity_at >= cutoff_at - INTERVAL 30 DAY)      AS count_cart_adds_last_30d
    FROM keyed_activity
    CROSS JOIN cutoff
    GROUP BY customer_id
),

-- Visits: a gap of 30 minutes or more starts a new session (as in customer_features.sql). A
-- browsing session is one without a purchase; how often a customer comes back to browse, and
-- fills a cart without buying, is the engagement a contact can act on.
activity_sessions AS (
    SELECT
        customer_id,
        activity_type,
        sum(CASE WHEN gap IS NULL OR gap >= INTERVAL 30 MINUTE THEN 1 ELSE 0 END)
            OVER (PARTITION BY customer_id ORDER BY activity_at
                  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)             AS session_number
    FROM (
        SELECT
            customer_id,
            activity_type,
            activity_at,
            activity_at - lag(activity_at) OVER (PARTITION BY customer_id ORDER BY activity_at)
                                                                                AS gap
        FROM keyed_activity
    )
),

sessions AS (
    SELECT
        customer_id,
        session_number,
        bool_or(activity_type IN ('transaction', 'order_line'))                 AS has_purchase,
        count(*) FILTER (WHERE activity_type = 'addtocart')                     AS count_cart_adds
    FROM activity_sessions
    GROUP BY customer_id, session_number
),

session_summary AS (
    SELECT
        customer_id,
        count(*)                                                                AS count_sessions,
        count(*) FILTER (WHERE NOT has_purchase)                                AS count_browsing_sessions,
        coalesce(sum(count_cart_adds) FILTER (WHERE NOT has_purchase), 0)       AS count_browsing_cart_adds
    FROM sessions
    GROUP BY customer_id
),

purchase_summary AS (
    SELECT
        customer_id,
        count(DISTINCT order_id)                                                AS count_orders,
        CAST(sum(quantity) AS BIGINT)                                           AS count_items,
        CAST(sum(line_amount) AS DOUBLE)                                        AS gmv_amount,
        max(ordered_at)                                                         AS last_purchase_at,
        count(DISTINCT order_id) FILTER (WHERE ordered_at >= cutoff_at - INTERVAL 30 DAY)
                                                                                AS count_orders_last_30d
    FROM lines
    CROSS JOIN cutoff
    WHERE customer_id IN (SELECT customer_id FROM population)
    GROUP BY customer_id
)

SELECT
    activity.customer_id,
    floor(epoch(cutoff.cutoff_at - activity.first_event_at) / 86400)           AS days_since_first_event,
    floor(epoch(cutoff.cutoff_at - activity.last_event_at) / 86400)            AS days_since_last_event,
    activity.count_events,
    activity.count_views,
    activity.count_cart_adds,
    activity.count_active_days,
    activity.count_events_last_7d,
    activity.count_events_last_30d,
    activity.count_cart_adds_last_30d,
    visits.count_sessions,
    visits.count_browsing_sessions,
    visits.count_browsing_cart_adds,
    coalesce(purchases.count_orders, 0)                                        AS count_orders,
    coalesce(purchases.count_items, 0)                                         AS count_items,
    coalesce(purchases.gmv_amount, 0)                                          AS gmv_amount,
    coalesce(purchases.count_orders_last_30d, 0)                               AS count_orders_last_30d,
    floor(epoch(cutoff.cutoff_at - purchases.last_purchase_at) / 86400)        AS days_since_last_purchase
FROM activity_summary AS activity
CROSS JOIN cutoff
JOIN session_summary AS visits USING (customer_id)
LEFT JOIN purchase_summary AS purchases USING (customer_id)
