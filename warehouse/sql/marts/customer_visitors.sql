-- Stored part of `customers`: one row per visitor without an order up to the as-of date
-- (segment_kind 'behavioural'); key customer_id. Only the columns that vary among non-buyers:
-- the `customers` view adds the rest (no orders, no GMV; no RFM, cluster or CLV), so the
-- millions of non-buyers are not written with a dozen empty columns each. The customers step
-- stores the rows ordered by segment, then by id, so a page reading one segment touches few row
-- groups (an ORDER BY here would sort the 14 M visitors of a scale-10 shop a second time).

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
