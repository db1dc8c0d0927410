-- Mart: one row per segment (every defined segment, empty ones included, plus any segment of
-- `customers` without a definition). Key: segment.
-- Feeds: the Segments page overview, which would otherwise aggregate every customer per request.
-- Built right after `customers`, whose CLV and GMV columns it averages and sums.
-- gmv_share is the segment's share of all customers' GMV (0-1); avg_clv_amount and avg_p_alive
-- are NULL where no member has a CLV; avg_count_views is the members' mean number of item views.

WITH

members AS (
    SELECT segment, gmv_amount, clv_amount, p_alive, count_views
    FROM customers
    WHERE segment IS NOT NULL
),

definitions AS (SELECT * FROM segment_definitions),

sizes AS (
    SELECT
        segment,
        count(*) AS customers,
        coalesce(sum(gmv_amount), 0) AS gmv_amount,
        avg(clv_amount) AS avg_clv_amount,
        avg(p_alive) AS avg_p_alive,
        avg(count_views) AS avg_count_views
    FROM members
    GROUP BY segment
),

total AS (
    SELECT sum(gmv_amount) AS gmv_amount FROM sizes
)

SELECT
    coalesce(definitions.segment, sizes.segment) AS segment,
    definitions.segment_kind,
    definitions.description,
    definitions.display_order,
    coalesce(sizes.customers, 0) AS customers,
    coalesce(sizes.gmv_amount, 0) AS gmv_amount,
    coalesce(sizes.gmv_amount / nullif(total.gmv_amount, 0), 0) AS gmv_share,
    sizes.avg_clv_amount,
    sizes.avg_p_alive,
    sizes.avg_count_views
FROM definitions
FULL OUTER JOIN sizes ON sizes.segment = definitions.segment
CROSS JOIN total
