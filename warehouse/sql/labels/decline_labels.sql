-- Labels: whether each buyer's purchasing decreased in the period after a training cut-off; one
-- row per customer with an order line in the three periods before it; key customer_id. Feeds
-- the decline model's training rows (warehouse/decline/sources.py), joined to the features of
-- warehouse/sql/features/decline_features.sql computed at that cut-off.
--
-- Reads order_lines pointed (warehouse/features.py) at the END of the label period, and:
--   getvariable('decline_label_start')   the training cut-off T (TIMESTAMP, naive UTC)
--   getvariable('decline_period_days')   the period length L in days (30 by default)
--   getvariable('decline_share')         the stated share s (0.8 by default)
-- The label period is [T, T + L); the previous periods are the three periods before T, the
-- months in which a qualifying customer bought. With orders = distinct orders and revenue = sum
-- of line_amount:
--   label_orders  < s × (orders of the three previous periods) / 3     or
--   label_revenue < s × (revenue of the three previous periods) / 3
-- makes the customer "decreased", else "previous level". A customer who stopped buying
-- (nothing in the label period) is "decreased".

WITH

lines AS (SELECT * FROM order_lines),

bounds AS (
    SELECT
        getvariable('decline_label_start')                                     AS start_at,
        86400.0 * coalesce(getvariable('decline_period_days'), 30)             AS period_seconds,
        coalesce(getvariable('decline_share'), 0.8)                            AS share
),

placed AS (
    SELECT
        lines.customer_id,
        lines.order_id,
        lines.line_amount,
        lines.ordered_at >= bounds.start_at                                    AS in_label_period,
        CAST(ceil(epoch(bounds.start_at - lines.ordered_at) / bounds.period_seconds) AS INTEGER)
                                                                               AS month
    FROM lines
    CROSS JOIN bounds
    WHERE lines.ordered_at < bounds.start_at + to_seconds(CAST(bounds.period_seconds AS BIGINT))
),

per_customer AS (
    SELECT
        customer_id,
        count(DISTINCT order_id) FILTER (WHERE in_label_period)                AS label_orders,
        coalesce(sum(line_amount) FILTER (WHERE in_label_period), 0)          AS label_revenue,
        count(DISTINCT order_id) FILTER (WHERE NOT in_label_period AND month <= 3) / 3.0
                                                                               AS baseline_orders,
        coalesce(sum(line_amount) FILTER (WHERE NOT in_label_period AND month <= 3), 0) / 3.0
                                                                               AS baseline_revenue
    FROM placed
    GROUP BY customer_id
    HAVING count(*) FILTER (WHERE NOT in_label_period AND month <= 3) > 0
)

SELECT
    per_customer.customer_id,
    per_customer.label_orders,
    CAST(per_customer.label_revenue AS DOUBLE)                                 AS label_revenue,
    per_customer.baseline_orders,
    CAST(per_customer.baseline_revenue AS DOUBLE)                              AS baseline_revenue,
    CASE
        WHEN per_customer.label_orders < bounds.share * per_customer.baseline_orders
          OR per_customer.label_revenue < bounds.share * per_customer.baseline_revenue
        THEN 'decreased'
        ELSE 'previous level'
    END                                                                        AS purchase_activity
FROM per_customer
CROSS JOIN bounds
ORDER BY per_customer.customer_id
