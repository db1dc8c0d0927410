-- Staging: one row per item of the item catalogue delivered with an orders file (items.csv).
-- Key: item_id. Feeds: order_lines (the category of orders-file lines), item_catalogue.
-- Rename and cast only. A warehouse loaded before catalogues existed has no raw table: the
-- refresh then builds this view empty (warehouse/sql/runner.py, OPTIONAL_STAGING).
SELECT
    item_id,
    name                              AS item_name,
    category,
    CAST(price AS DOUBLE)             AS price_amount
FROM raw.items
