-- Mart: one row describing this refresh. Key: none (a single row).
-- Feeds: the dashboard's "data as of" note and the data-quality counts of order_lines.
-- first/last_event_date span the events and orders kept (those up to the end of as_of_date).

WITH

lines AS (SELECT * FROM order_lines),

price_quality AS (
    SELECT
        count(*) FILTER (WHERE source = 'events' AND is_price_imputed AND price_amount IS NOT NULL)
            AS count_imputed_price_lines,
        count(*) FILTER (WHERE source = 'events' AND price_amount IS NULL)
            AS count_unpriced_lines
    FROM lines
)

SELECT
    CAST(getvariable('as_of_date') AS DATE)        AS as_of_date,
    CAST(getvariable('refreshed_at') AS TIMESTAMP) AS refreshed_at,
    CAST(getvariable('first_date') AS DATE)        AS first_event_date,
    CAST(getvariable('last_date') AS DATE)         AS last_event_date,
    CAST(getvariable('price_property') AS VARCHAR) AS price_property,
    count_imputed_price_lines,
    count_unpriced_lines
FROM price_quality
