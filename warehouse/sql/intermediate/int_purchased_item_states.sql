-- Intermediate: the states of each purchased item over time. One row per item bought up to the
-- cut-off and instant at which its recorded price or category changed, plus one row from the
-- beginning of time (valid_from_at = -infinity) to its first record. Key: (item_id,
-- valid_from_at); a row holds until the item's next row. Feeds: order_lines, which finds the
-- state in force at each purchase with one ASOF join.
--
-- price_amount / category_id: the last value recorded at or before valid_from_at (unreadable
-- values ignored; several values at one instant: the highest), NULL before the first record.
-- earliest_price_amount / earliest_category_id: the item's first recorded value, the documented
-- fallback for a purchase made before it (docs/METHODS.md, "Prices and categories at the time of
-- an event"). Only purchased items are kept: the only ones looked up.

WITH

events AS (SELECT * FROM stg_events),
item_prices AS (SELECT * FROM stg_item_prices),
item_categories AS (SELECT * FROM stg_item_categories),

purchased_items AS (
    SELECT DISTINCT item_id FROM events WHERE event_type = 'transaction' AND order_id IS NOT NULL
),

price_log AS (
    SELECT item_id, valid_from_at, max(price_amount) AS price_amount
    FROM item_prices
    WHERE price_amount IS NOT NULL AND item_id IN (SELECT item_id FROM purchased_items)
    GROUP BY item_id, valid_from_at
),

category_log AS (
    SELECT item_id, valid_from_at, max(category_id) AS category_id
    FROM item_categories
    WHERE category_id IS NOT NULL AND item_id IN (SELECT item_id FROM purchased_items)
    GROUP BY item_id, valid_from_at
),

changes AS (  -- an instant may change the price, the category or both
    SELECT item_id, valid_from_at, prices.price_amount, categories.category_id
    FROM price_log AS prices
    FULL OUTER JOIN category_log AS categories USING (item_id, valid_from_at)
),

states AS (
    SELECT
        item_id,
        valid_from_at,
        last_value(price_amount IGNORE NULLS) OVER until_now        AS price_amount,
        last_value(category_id IGNORE NULLS) OVER until_now         AS category_id,
        first_value(price_amount IGNORE NULLS) OVER whole_history   AS earliest_price_amount,
        first_value(category_id IGNORE NULLS) OVER whole_history    AS earliest_category_id
    FROM changes
    WINDOW
        until_now AS (PARTITION BY item_id ORDER BY valid_from_at
                      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
        whole_history AS (PARTITION BY item_id ORDER BY valid_from_at
                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
),

beginnings AS (  -- before the first record: nothing in force yet, only the fallbacks
    SELECT DISTINCT
        item_id,
        CAST('-infinity' AS TIMESTAMP)      AS valid_from_at,
        CAST(NULL AS DOUBLE)                AS price_amount,
        CAST(NULL AS VARCHAR)               AS category_id,
        earliest_price_amount,
        earliest_category_id
    FROM states
)

SELECT * FROM states
UNION ALL
SELECT * FROM beginnings
