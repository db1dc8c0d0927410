"""A DuckDB-era operational store, written as the code of that era left it: its DDL and rows,
frozen here (the code that wrote it is gone), for the import into the new store."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb

from warehouse.commands.default_rules import DEFAULT_RULES
from warehouse.ops.legacy import legacy_path

LEGACY_TABLES = ("rules", "campaigns", "campaign_assignments", "audit_log", "ops_meta")

# The schema of the DuckDB store (version 1), as it was created.
LEGACY_DDL = """
CREATE TABLE campaigns (
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
    source VARCHAR NOT NULL
);
CREATE TABLE campaign_assignments (
    campaign_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    group_name VARCHAR NOT NULL,
    segment VARCHAR,
    clv_amount DOUBLE,
    PRIMARY KEY (campaign_id, customer_id)
);
CREATE TABLE rules (
    rule_id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL UNIQUE,
    priority INTEGER NOT NULL,
    conditions VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    offer VARCHAR NOT NULL,
    kpi VARCHAR NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE audit_log (
    logged_at TIMESTAMP NOT NULL,
    event VARCHAR NOT NULL,
    campaign_id VARCHAR NOT NULL,
    group_name VARCHAR,
    row_count BIGINT,
    file_name VARCHAR
);
CREATE TABLE ops_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);
"""
SEEDED_AT = datetime(2015, 9, 1, 8, 0)
ADDED_AT = datetime(2015, 9, 2, 9, 30)


def write_legacy_store(db: Path, customers: int = 10) -> Path:
    """The store as that era left it after: the default rules seeded (rules 1-4), a rule added
    (5), rule 2 deleted (priorities renumbered 1..4), the demo campaign of ``customers`` visitors
    imported (the first two in control) and both its groups exported. Returns the file."""
    path = legacy_path(db)
    rules = [(number, rule["name"], json.dumps(rule["conditions"]), rule["action"],
              rule["channel"], rule["offer"], rule["kpi"], SEEDED_AT)
             for number, rule in enumerate(DEFAULT_RULES, start=1)]
    rules.append((5, "Recent buyers", json.dumps([{"field": "frequency", "op": ">=",
                                                   "value": 2}]),
                  "Thank-you note", "email", "none", "retention", ADDED_AT))
    kept = [rule for rule in rules if rule[0] != 2]
    with duckdb.connect(str(path)) as con:
        con.execute(LEGACY_DDL)
        for priority, (rule_id, name, conditions, action, channel, offer, kpi, at) in \
                enumerate(kept, start=1):
            con.execute("INSERT INTO rules VALUES (?, ?, ?, ?, ?, ?, ?, ?, true, ?, ?)",
                        [rule_id, name, priority, conditions, action, channel, offer, kpi, at,
                         at])
        con.execute("INSERT INTO campaigns VALUES ('demo-1', 'Win-back test', NULL, NULL, "
                    "'Win-back voucher', 'email', '25% voucher', 'reactivation', 0.2, NULL, "
                    "TIMESTAMP '2015-08-01', TIMESTAMP '2015-08-29', ?, 'demo')", [customers])
        con.executemany("INSERT INTO campaign_assignments VALUES ('demo-1', ?, ?, NULL, NULL)",
                        [[str(1000 + i), "control" if i < 2 else "treatment"]
                         for i in range(customers)])
        con.execute("INSERT INTO audit_log VALUES "
                    "(TIMESTAMP '2015-09-03 10:00', 'export', 'demo-1', 'treatment', ?, "
                    "'demo-1-treatment.csv'), "
                    "(TIMESTAMP '2015-09-03 10:00:01', 'export', 'demo-1', 'control', 2, "
                    "'demo-1-control.csv')", [customers - 2])
        con.execute("INSERT INTO ops_meta VALUES ('default_rules_seeded', 'true'), "
                    "('schema_version', '1')")
    return path


def legacy_rows(path: Path, table: str) -> list[tuple]:
    """Every row of a DuckDB-era table, as stored, sorted."""
    if table not in LEGACY_TABLES:
        raise ValueError(f"not a table of the DuckDB-era store: {table}")
    with duckdb.connect(str(path), read_only=True) as con:
        return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
