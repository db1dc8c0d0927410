-- Features: one row per customer × item the customer bought, viewed or put in the cart before the
-- cut-off getvariable('cutoff_at'); key (customer_id, item_id). Feeds the item propensity model
-- (see promote_customers.sql); pairs absent here have no history (all zero).
-- Point in time: order_lines and stg_events pointed at the cut-off.
--
-- count_bought: orders holding the item; count_bought_large: of them, large baskets (at least
-- getvariable('promote_min_basket') lines); days_since_bought: since the last one. The gaps
-- between consecutive purchases give the item's re-purchase cycle (mean_gap_days, needs two
-- purchases) and its regularity (sd_gap_days, needs three). count_views / count_cart_adds: the
-- customer's behaviour events on the item (RetailRocket shops; zero for an orders file).

WITH

lines AS (SELECT * FROM order_lines),
events AS (SELECT * FROM stg_events),

settings AS (
    SELECT getvariable('cutoff_at') AS cutoff_at, getvariable('promote_min_basket') AS min_basket
),

purchases AS (
    SELECT customer_id, item_id, order_id, min(ordered_at) AS ordered_at,
           any_value(basket_size) AS basket_size
    FROM lines
    WHERE item_id IS NOT NULL
    GROUP BY customer_id, item_id, order_id
),

gaps AS (
    SELECT
        *,
        epoch(ordered_at - lag(ordered_at) OVER (
            PARTITION BY customer_id, item_id ORDER BY ordered_at)) / 86400 AS gap_days
    FROM purchases
),

bought AS (
    SELECT
        gaps.customer_id,
        gaps.item_id,
        count(*)                                                          AS count_bought,
        count(*) FILTER (WHERE gaps.basket_size >= settings.min_basket)  AS count_bought_large,
        epoch(any_value(settings.cutoff_at) - max(gaps.ordered_at)) / 86400 AS days_since_bought,
        avg(gaps.gap_days)                                                AS mean_gap_days,
        stddev_samp(gaps.gap_days)                                        AS sd_gap_days
    FROM gaps
    CROSS JOIN settings
    GROUP BY gaps.customer_id, gaps.item_id
),

behaviour AS (
    SELECT
        customer_id,
        item_id,
        count(*) FILTER (WHERE event_type = 'view')        AS count_views,
        count(*) FILTER (WHERE event_type = 'addtocart')   AS count_cart_adds
    FROM events
    WHERE event_type IN ('view', 'addtocart')
    GROUP BY customer_id, item_id
)

SELECT
    customer_id,
    item_id,
    coalesce(bought.count_bought, 0)                 AS count_bought,
    coalesce(bought.count_bought_large, 0)           AS count_bought_large,
    bought.days_since_bought,
    bought.mean_gap_days,
    bought.sd_gap_days,
    coalesce(behaviour.count_views, 0)               AS count_views,
    coalesce(behaviour.count_cart_adds, 0)           AS count_cart_adds
FROM bought
FULL JOIN behaviour USING (customer_id, item_id)
