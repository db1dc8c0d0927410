-- Staging: one row per line of the generic orders file, up to the end of the as-of day.
-- Feeds: order_lines, int_customer_activity (the activity of an orders-only shop).
SELECT
    customer_id,
    order_id,
    ordered_at,
    amount,
    item_id,
    quantity
FROM raw.orders
WHERE ordered_at < getvariable('cutoff_at')
