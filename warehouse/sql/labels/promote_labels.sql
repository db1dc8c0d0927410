-- Labels: one row per customer × item the customer bought in a large basket in the label window
-- after a cut-off; key (customer_id, item_id). Feeds the item propensity model's training and
-- evaluation rows (warehouse/promote/data.py): a (customer, item) row is positive when it is
-- here, negative otherwise. The basket condition is part of the label: buying the item in a
-- smaller basket is a negative.
--
-- Reads order_lines pointed (warehouse/features.py) at the END of the label window, and:
--   getvariable('promote_label_start')   the cut-off T (TIMESTAMP, naive UTC)
--   getvariable('promote_horizon_days')  the window length H in days (14 by default)
--   getvariable('promote_min_basket')    the basket size N in distinct items (5 by default)
-- The window is [T, T + H days); a basket is an order's distinct item lines (basket_size).

WITH

lines AS (SELECT * FROM order_lines),

window_bounds AS (
    SELECT
        getvariable('promote_label_start')                                          AS start_at,
        getvariable('promote_label_start')
            + to_days(CAST(getvariable('promote_horizon_days') AS INTEGER))         AS end_at,
        getvariable('promote_min_basket')                                           AS min_basket
)

SELECT
    lines.customer_id,
    lines.item_id,
    count(DISTINCT lines.order_id)      AS count_large_orders
FROM lines
CROSS JOIN window_bounds
WHERE lines.ordered_at >= window_bounds.start_at
  AND lines.ordered_at < window_bounds.end_at
  AND lines.basket_size >= window_bounds.min_basket
  AND lines.item_id IS NOT NULL
GROUP BY lines.customer_id, lines.item_id
