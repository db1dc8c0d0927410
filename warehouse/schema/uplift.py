"""The snapshot's uplift tables: written by the refresh's ``uplift`` step, read by the Uplift page
(``warehouse.queries.uplift``). Shares are fractions (0-1), money is in the shop's currency."""

from __future__ import annotations

CUSTOMER_UPLIFT_TABLE = "customer_uplift"
UPLIFT_MODEL_NAME = "uplift"  # the model registry's and the prediction log's name
# The scopes of the type counts: the campaign's own customers, or every customer scored.
AUDIENCE, EVERYONE = "audience", "all"
# A pooled model (several campaigns with one action, ``warehouse.uplift_pool``): its registry name
# and its ``uplift_models.campaign_id`` start with the prefix; its ``source`` is POOL_SOURCE.
POOL_PREFIX, POOL_SOURCE = "pool:", "pool"

UPLIFT_TABLES_DDL = f"""
CREATE TABLE {CUSTOMER_UPLIFT_TABLE} (   -- the published model's score of every customer
    customer_id VARCHAR PRIMARY KEY,
    uplift_score DOUBLE NOT NULL,          -- predicted change in conversion from one contact
    response_type VARCHAR NOT NULL,        -- persuadable | sure_thing | lost_cause | do_not_disturb
    p_treated DOUBLE NOT NULL,
    p_control DOUBLE NOT NULL
);
CREATE TABLE uplift_models (             -- one row per completed campaign and per pool
    campaign_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    action VARCHAR,
    channel VARCHAR,
    launched_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    count_treatment BIGINT NOT NULL,
    count_control BIGINT NOT NULL,
    conversion_treatment DOUBLE,
    conversion_control DOUBLE,
    revenue_per_conversion DOUBLE,         -- mean revenue of a converted customer in the window
    is_trained BOOLEAN NOT NULL,
    reason VARCHAR,                        -- why not, when not trained
    model_version INTEGER,                 -- the registry's version of model 'uplift'
    trained_at TIMESTAMP,
    learner VARCHAR,                       -- the chosen learner
    qini_coefficient DOUBLE,               -- the chosen learner's, on the held-out customers
    qini_low DOUBLE,
    qini_high DOUBLE,
    count_train BIGINT,
    count_holdout BIGINT,
    count_scored BIGINT,                   -- customers scored as of the refresh (published)
    features VARCHAR,                      -- the features it learnt from, comma-separated
    is_published BOOLEAN NOT NULL          -- its scores are customers.uplift_score
);
CREATE TABLE uplift_learners (           -- campaign × learner: held-out comparison
    campaign_id VARCHAR NOT NULL,
    learner VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    qini_coefficient DOUBLE,
    qini_low DOUBLE,
    qini_high DOUBLE,
    auuc DOUBLE,
    uplift_at_k DOUBLE,
    k DOUBLE NOT NULL,
    fit_seconds DOUBLE,
    is_chosen BOOLEAN NOT NULL,
    PRIMARY KEY (campaign_id, learner)
);
CREATE TABLE uplift_curves (             -- campaign × learner × share: the held-out Qini curve
    campaign_id VARCHAR NOT NULL,
    learner VARCHAR NOT NULL,
    share DOUBLE NOT NULL,
    customers BIGINT NOT NULL,
    incremental_conversions DOUBLE NOT NULL,
    PRIMARY KEY (campaign_id, learner, share)
);
CREATE TABLE uplift_deciles (            -- campaign × decile of the held-out ranking
    campaign_id VARCHAR NOT NULL,
    decile INTEGER NOT NULL,
    n_treatment BIGINT NOT NULL,
    n_control BIGINT NOT NULL,
    rate_treatment DOUBLE,
    rate_control DOUBLE,
    actual_uplift DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE,
    predicted_uplift DOUBLE,
    PRIMARY KEY (campaign_id, decile)
);
CREATE TABLE uplift_targeting (          -- campaign × share: the top share of the held-out ranking
    campaign_id VARCHAR NOT NULL,
    share DOUBLE NOT NULL,
    customers BIGINT NOT NULL,
    n_treatment BIGINT NOT NULL,
    n_control BIGINT NOT NULL,
    conversions_treatment BIGINT NOT NULL,
    conversions_control BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, share)
);
CREATE TABLE uplift_types (              -- scope × type of the published model, scored now
    campaign_id VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,                -- audience | all
    response_type VARCHAR NOT NULL,
    customers BIGINT NOT NULL,
    share DOUBLE NOT NULL,
    avg_uplift DOUBLE,
    avg_p_treated DOUBLE,
    avg_p_control DOUBLE,
    PRIMARY KEY (campaign_id, scope, response_type)
);
"""
UPLIFT_TABLES = (CUSTOMER_UPLIFT_TABLE, "uplift_models", "uplift_learners", "uplift_curves",
                 "uplift_deciles", "uplift_targeting", "uplift_types")
