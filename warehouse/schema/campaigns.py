"""The snapshot's copies of the operational store's campaign tables (the refresh measures them;
the store's own tables are ``warehouse.ops.schema``, with the same columns), and the campaign
status rule both apply (the store's side: ``commands.campaigns.storage.status_expression``)."""

from __future__ import annotations

CAMPAIGN_TABLES_DDL = """
CREATE TABLE IF NOT EXISTS campaigns (
    campaign_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    rule_id INTEGER,
    rule_name VARCHAR,
    action VARCHAR,
    channel VARCHAR,
    offer VARCHAR,
    kpi VARCHAR,
    control_share DOUBLE NOT NULL,
    salt VARCHAR,
    launched_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    audience_size BIGINT NOT NULL,
    source VARCHAR NOT NULL,         -- 'board' | 'demo' | a page or job (ops.schema)
    clock VARCHAR                    -- 'wall' | 'data' | 'given': what dated launched_at
);
CREATE TABLE IF NOT EXISTS campaign_assignments (
    campaign_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    group_name VARCHAR NOT NULL,     -- 'treatment' | 'control'; never changed after launch
    segment VARCHAR,
    clv_amount DOUBLE,
    PRIMARY KEY (campaign_id, customer_id)
);
"""

# A campaign's state in a snapshot whose data ends before ``$cutoff_at`` (NULL: no data yet).
CAMPAIGN_STATUS_SQL = """
CASE
    WHEN $cutoff_at IS NULL OR launched_at >= $cutoff_at THEN 'scheduled'
    WHEN ends_at > $cutoff_at THEN 'running'
    ELSE 'completed'
END
"""
