-- Staging: one row per recorded category of an item, up to the end of the as-of day. A value holds
-- from valid_from_at until the item's next recorded category. Feeds: int_purchased_item_states
-- (point-in-time category). category_id is NULL if the value is not an integer.
SELECT
    CAST(itemid AS VARCHAR)                              AS item_id,
    epoch_ms("timestamp")                                AS valid_from_at,
    CAST(TRY_CAST(trim(value) AS BIGINT) AS VARCHAR)     AS category_id
FROM raw.item_properties
WHERE property = 'categoryid'
  AND "timestamp" < getvariable('cutoff_ms')
