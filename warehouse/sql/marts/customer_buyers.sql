-- Stored part of `customers`: one row per buyer (a customer with an order up to the as-of date,
-- segment_kind 'rfm'); key customer_id. This file selects the columns `customers` is built from
-- directly: the summary's activity and purchases, the segment and the cart ratio. The customers
-- step adds the columns that model steps publish (RFM scores, cluster, CLV, ...: LEFT JOINs on
-- the tables their fields name, NULL where a model leaves the buyer out, e.g. CLV before its
-- calibration) and stores the rows ordered by segment, so a page reading one segment touches
-- few row groups.

WITH

summary AS (
    SELECT * FROM customer_segments WHERE segment_kind = 'rfm'
)

SELECT
    summary.customer_id,
    summary.segment,
    summary.segment_kind,
    summary.count_events,
    summary.count_views,
    summary.count_cart_adds,
    summary.is_single_visit,
    summary.count_orders,
    summary.count_items,
    summary.gmv_amount,
    summary.avg_basket_size,
    CASE WHEN summary.count_cart_adds > 0
        THEN summary.count_orders / summary.count_cart_adds END AS cart_to_purchase_ratio,
    summary.first_event_at,
    summary.last_event_at,
    summary.first_purchase_at,
    summary.last_purchase_at
FROM summary
