-- Mart: one row per customer named in a push consent list (stg_push_consent). Key: customer_id.
-- Feeds: the Promote page's consent guardrail (only is_pushable customers are pushed to) and
-- its results (opt-outs in a campaign's window). is_pushable: consent recorded and no opt-out.
-- time_zone (IANA) places the customer's quiet hours; NULL means the shop's time zone.

WITH

consent AS (SELECT * FROM stg_push_consent)

SELECT
    customer_id,
    has_consent,
    opted_out_at,
    time_zone,
    has_consent AND opted_out_at IS NULL     AS is_pushable
FROM consent
ORDER BY customer_id
