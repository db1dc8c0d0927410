-- Mart: one row per day × top-level category (root of the category tree), for "top categories".
-- Key: (kpi_date, category_id), where category_id is the ROOT category id.
-- Feeds: the overview's category chart. Lines without a known category (orders file, items never
-- categorised) are left out; daily_kpis holds the totals. Dated by order_date like daily_kpis.

WITH

lines AS (SELECT * FROM order_lines)

SELECT
    order_date                     AS kpi_date,
    root_category_id               AS category_id,
    sum(line_amount)               AS gmv_amount,
    count(DISTINCT order_id)       AS count_orders,
    CAST(sum(quantity) AS BIGINT)  AS count_items
FROM lines
WHERE root_category_id IS NOT NULL
GROUP BY order_date, root_category_id
ORDER BY kpi_date, category_id
