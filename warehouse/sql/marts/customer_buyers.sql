-- Stored part of `customers`: one row per buyer (a customer with an order up to the as-of date,
-- segment_kind 'rfm'); key customer_id. Every column of `customers`: the summary, RFM scores and
-- segment, cluster and CLV (NULL where a model leaves the buyer out, e.g. CLV before its
-- calibration). Stored ordered by segment, so a page reading one segment touches few row groups.

WITH

summary AS (
    SELECT * FROM customer_segments WHERE segment_kind = 'rfm'
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
ORDER BY summary.segment
