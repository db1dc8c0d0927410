-- Mart: one row per day × category as recorded on the item at the time of purchase (a leaf of the
-- category tree, usually). Key: (kpi_date, category_id). Feeds: drill-down below a root category
-- (root_category_id links to daily_category_gmv). Lines without a category are left out.

WITH

lines AS (SELECT * FROM order_lines)

SELECT
    order_date                     AS kpi_date,
    category_id,
    any_value(root_category_id)    AS root_category_id,
    sum(line_amount)               AS gmv_amount,
    count(DISTINCT order_id)       AS count_orders,
    CAST(sum(quantity) AS BIGINT)  AS count_items
FROM lines
WHERE category_id IS NOT NULL
GROUP BY order_date, category_id
ORDER BY kpi_date, category_id
