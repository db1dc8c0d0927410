-- Staging: one row per behaviour event up to the end of the as-of day (RetailRocket events.csv).
-- Key: none (the raw table is unique over all five columns). Feeds: order_lines,
-- int_purchased_item_states, int_customer_activity, segment snapshots. Rename and cast only:
-- ms epoch -> UTC TIMESTAMP, ids -> VARCHAR.
-- visitor_key keeps the integer visitorid for aggregates over every event: grouping tens of
-- millions of rows by an integer is cheaper than by its text form (customer_id).
SELECT
    epoch_ms("timestamp")              AS event_at,
    CAST(visitorid AS VARCHAR)         AS customer_id,
    visitorid                          AS visitor_key,
    event                              AS event_type,
    CAST(itemid AS VARCHAR)            AS item_id,
    CAST(transactionid AS VARCHAR)     AS order_id
FROM raw.events
WHERE "timestamp" < getvariable('cutoff_ms')
