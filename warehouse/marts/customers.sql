-- customers: one row per customer (visitor or buyer); key customer_id.
-- The wide attribute table that action rules and the segment, CLV and board pages read, and the
-- published form of `customer_summary` (all its columns are here).
-- Built after the model steps from the `customer_segments` view (the summary with each
-- customer's segment) and stored ordered by segment, one segment at a time, so that a page
-- reading one segment touches few row groups (warehouse/steps/customers.py).
-- Model columns are NULL where a model does not cover the customer (RFM and CLV exist only for
-- buyers).

WITH summary AS (
    SELECT * FROM customer_segments
),

rfm AS (
    SELECT * FROM customer_rfm
),

clusters AS (
    SELECT * FROM customer_clusters
),

clv AS (
    SELECT * FROM customer_clv
)

SELECT
    summary.customer_id,
    summary.segment,
    summary.segment_kind,
    clusters.cluster_name,
    rfm.r_score,
    rfm.f_score,
    rfm.m_score,
    rfm.recency_days,
    rfm.frequency,
    rfm.monetary_amount,
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
    summary.last_purchase_at,
    clv.p_alive,
    clv.expected_purchases_90,
    clv.clv_amount
FROM summary
LEFT JOIN rfm USING (customer_id)
LEFT JOIN clusters USING (customer_id)
LEFT JOIN clv USING (customer_id)
