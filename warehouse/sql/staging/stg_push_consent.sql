-- Staging: one row per customer of the push consent lists (the latest row of each customer).
-- Key: customer_id. Feeds: customer_push_consent. Rename and cast only; a warehouse without a
-- list builds this view empty (warehouse/sql/runner.py, OPTIONAL_STAGING).
SELECT
    customer_id,
    consent                           AS has_consent,
    opted_out_at,
    time_zone
FROM raw.push_consent
