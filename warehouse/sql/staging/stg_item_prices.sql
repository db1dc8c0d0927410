-- Staging: one row per recorded price of an item (the configured price property only), up to the
-- end of the as-of day. A value holds from valid_from_at until the item's next recorded price.
-- Feeds: int_purchased_item_states (point-in-time price). 'n15360.000' -> 15360.0 (NULL if unreadable).
SELECT
    CAST(itemid AS VARCHAR)                         AS item_id,
    epoch_ms("timestamp")                           AS valid_from_at,
    TRY_CAST(ltrim(trim(value), 'n') AS DOUBLE)     AS price_amount
FROM raw.item_properties
WHERE property = getvariable('price_property')
  AND "timestamp" < getvariable('cutoff_ms')
