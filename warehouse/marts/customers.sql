-- customers: one row per customer (visitor or buyer); key customer_id.
-- The wide attribute table that action rules and the segment, CLV and board pages read.
-- Built last in a refresh, after the model steps; stored ordered by segment (only: a second sort
-- key costs more than the whole build at 14 M rows) so that a page reading one segment touches
-- few row groups. Model columns are NULL where a model does not cover the customer (RFM and CLV
-- exist only for buyers).

CREATE OR REPLACE TABLE customers AS
WITH summary AS (
    SELECT * FROM customer_summary
),

rfm AS (
    SELECT * FROM customer_rfm
),

segments AS (
    SELECT * FROM customer_segments
),

clusters AS (
    SELECT * FROM customer_clusters
),

clv AS (
    SELECT * FROM customer_clv
)

SELECT
    summary.customer_id,
    segments.segment,
    segments.segment_kind,
    clusters.cluster_name,
    rfm.r_score,
    rfm.f_score,
    rfm.m_score,
    rfm.recency_days,
    rfm.frequency,
    rfm.monetary_amount,
    summary.count_views,
    summary.count_cart_adds,
    summary.count_orders,
    summary.gmv_amount,
    CASE WHEN summary.count_cart_adds > 0
        THEN summary.count_orders / summary.count_cart_adds END AS cart_to_purchase_ratio,
    summary.first_event_at,
    summary.last_event_at,
    summary.last_purchase_at,
    clv.p_alive,
    clv.expected_purchases_90,
    clv.clv_amount
FROM summary
LEFT JOIN segments USING (customer_id)
LEFT JOIN rfm USING (customer_id)
LEFT JOIN clusters USING (customer_id)
LEFT JOIN clv USING (customer_id)
ORDER BY segments.segment;
