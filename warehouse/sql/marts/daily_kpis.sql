-- Mart: one row per calendar day from the first day with data to the as-of date, days without
-- activity included with zeros. Key: kpi_date. Feeds: the overview KPIs and trend charts.
--
-- traffic = visits: a customer active on a day (behaviour events, orders-file lines or both, under
-- one id: int_customer_activity) counts once for that day, so KPIs over a period are sums of
-- daily figures.
-- conversion_rate = count_orders / traffic; avg_ticket_amount = gmv_amount / count_orders (0 on a
-- day without orders); hence gmv_amount = traffic * conversion_rate * avg_ticket_amount.
-- Orders and GMV are dated by order_date (the order's first line), see order_lines.

WITH

activity AS (SELECT * FROM int_customer_activity),
lines AS (SELECT * FROM order_lines),

calendar AS (
    SELECT CAST(generate_series AS DATE) AS kpi_date
    FROM generate_series(
        CAST(getvariable('first_date') AS TIMESTAMP),
        CAST(getvariable('as_of_date') AS TIMESTAMP),
        INTERVAL 1 DAY
    )
),

daily_visits AS (  -- one row per day × active customer
    SELECT
        CAST(activity_at AS DATE)               AS kpi_date,
        customer_key,
        unkeyed_customer_id,
        bool_or(activity_type = 'view')         AS has_viewed,
        bool_or(activity_type = 'addtocart')    AS has_added_to_cart
    FROM activity
    GROUP BY ALL
),

daily_traffic AS (
    SELECT
        kpi_date,
        count(*)                                    AS traffic,
        count(*) FILTER (WHERE has_viewed)          AS count_viewers,
        count(*) FILTER (WHERE has_added_to_cart)   AS count_cart_adders
    FROM daily_visits
    GROUP BY kpi_date
),

daily_orders AS (
    SELECT
        order_date                     AS kpi_date,
        count(DISTINCT customer_id)    AS count_buyers,
        count(DISTINCT order_id)       AS count_orders,
        sum(line_amount)               AS gmv_amount
    FROM lines
    GROUP BY order_date
),

daily_figures AS (
    SELECT
        calendar.kpi_date,
        coalesce(daily_traffic.traffic, 0)                   AS traffic,
        coalesce(daily_traffic.count_viewers, 0)             AS count_viewers,
        coalesce(daily_traffic.count_cart_adders, 0)         AS count_cart_adders,
        coalesce(daily_orders.count_buyers, 0)               AS count_buyers,
        coalesce(daily_orders.count_orders, 0)               AS count_orders,
        CAST(coalesce(daily_orders.gmv_amount, 0) AS DOUBLE) AS gmv_amount
    FROM calendar
    LEFT JOIN daily_traffic USING (kpi_date)
    LEFT JOIN daily_orders USING (kpi_date)
)

SELECT
    kpi_date,
    traffic,
    count_viewers,
    count_cart_adders,
    count_buyers,
    count_orders,
    gmv_amount,
    CASE WHEN traffic > 0 THEN count_orders / traffic ELSE 0.0 END         AS conversion_rate,
    CASE WHEN count_orders > 0 THEN gmv_amount / count_orders ELSE 0.0 END AS avg_ticket_amount
FROM daily_figures
ORDER BY kpi_date
