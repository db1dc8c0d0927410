-- Mart: one row per day × item sold that day. Key: (kpi_date, item_id).
-- Feeds: the product trends chart. category_id is the item's category on its last sale of the
-- day. Orders-file lines that name no item are left out. Dated by order_date like daily_kpis.

WITH

lines AS (SELECT * FROM order_lines)

SELECT
    order_date                            AS kpi_date,
    item_id,
    arg_max(category_id, ordered_at)      AS category_id,
    sum(line_amount)                      AS gmv_amount,
    CAST(sum(quantity) AS BIGINT)         AS count_items
FROM lines
WHERE item_id IS NOT NULL
GROUP BY order_date, item_id
ORDER BY kpi_date, item_id
