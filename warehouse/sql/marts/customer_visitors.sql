-- Stored part of `customers`: one row per visitor without an order up to the as-of date
-- (segment_kind 'behavioural'); key customer_id. Only the columns that vary among non-buyers:
-- the `customers` view adds the rest (no orders, no GMV; no RFM, cluster or CLV), so the
-- millions of non-buyers are not written with a dozen empty columns each. Stored ordered by
-- segment, so a page reading one segment touches few row groups.

SELECT
    customer_id,
    segment,
    count_events,
    count_views,
    count_cart_adds,
    is_single_visit,
    first_event_at,
    last_event_at
FROM customer_segments
WHERE segment_kind = 'behavioural'
ORDER BY segment
