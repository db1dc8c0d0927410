-- Staging: one row per line of the generic orders file, up to the end of the as-of day.
-- Feeds: order_lines, daily_kpis (traffic of an orders-only shop), customer_summary.
SELECT
    customer_id,
    order_id,
    ordered_at,
    amount,
    item_id,
    quantity
FROM raw.orders
WHERE ordered_at < getvariable('cutoff_at')
