-- Staging: one row per category (category_tree.csv), key category_id. Feeds: order_lines
-- (root category). parent_category_id is NULL for a root.
SELECT
    CAST(categoryid AS VARCHAR)    AS category_id,
    CAST(parentid AS VARCHAR)      AS parent_category_id
FROM raw.category_tree
