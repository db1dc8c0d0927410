"""Schema of the operational store (rules, campaigns, assignments, audit log) and its seed rules.

``ensure`` runs on every ``open_ops``; the store records its schema version in
``ops_meta``, so once created an open costs one lookup. The default rules are seeded once per
store — a marker in ``ops_meta`` remembers it, so rules a user deleted do not come back. The
campaign tables' DDL and the campaign status rule are shared with the refresh step that copies
the campaigns into each snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.clock import utc_now
from warehouse.connections import connect_with_retry, transaction
from warehouse.paths import ops_path
from warehouse.schema.campaigns import CAMPAIGN_TABLES_DDL

OPS_DDL = CAMPAIGN_TABLES_DDL + """
CREATE TABLE IF NOT EXISTS rules (
    rule_id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL UNIQUE,
    priority INTEGER NOT NULL,       -- 1 = highest; kept 1..n without gaps by warehouse.rules
    conditions VARCHAR NOT NULL,     -- JSON list, see warehouse.rules
    action VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    offer VARCHAR NOT NULL,
    kpi VARCHAR NOT NULL,
    enabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
    logged_at TIMESTAMP NOT NULL,
    event VARCHAR NOT NULL,          -- 'launch' | 'export'
    campaign_id VARCHAR NOT NULL,
    group_name VARCHAR,
    row_count BIGINT,
    file_name VARCHAR
);
CREATE TABLE IF NOT EXISTS ops_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);
"""

SEEDED_KEY = "default_rules_seeded"
VERSION_KEY = "schema_version"
SCHEMA_VERSION = "1"  # raise when OPS_DDL gains a table, so existing stores get it

DEFAULT_RULES: list[dict[str, object]] = [
    {
        "name": "High value, at risk",
        "conditions": [
            {"field": "monetary_amount", "op": "top_pct", "value": 20},
            {"any": [
                {"field": "recency_days", "op": "top_pct", "value": 30},
                # Absolute, not relative: one-time buyers have P(alive) = 1 under BG/NBD, so the
                # bottom 30 % would be repeat buyers only and swallow the Loyal VIPs.
                {"field": "p_alive", "op": "<", "value": 0.5},
            ]},
        ],
        "action": "Win-back voucher",
        "channel": "email",
        "offer": "25% voucher",
        "kpi": "reactivation",
    },
    {
        "name": "Loyal, low spend",
        "conditions": [
            {"field": "frequency", "op": "top_pct", "value": 20},
            {"field": "monetary_amount", "op": "bottom_pct", "value": 50},
        ],
        "action": "Cross-sell recommendations",
        "channel": "email",
        "offer": "Recommended add-ons",
        "kpi": "average ticket size",
    },
    {
        "name": "Loyal VIP",
        "conditions": [
            {"field": "frequency", "op": "top_pct", "value": 20},
            {"field": "monetary_amount", "op": "top_pct", "value": 20},
        ],
        "action": "Early access / exclusive service",
        "channel": "email",
        "offer": "Early access, no deep discount",
        "kpi": "retention",
    },
    {
        "name": "Window shoppers",
        "conditions": [
            {"field": "segment_kind", "op": "=", "value": "behavioural"},
            {"field": "count_views", "op": "top_pct", "value": 10},
        ],
        "action": "Flash sale / urgency",
        "channel": "push",
        "offer": "24-hour flash sale",
        "kpi": "conversion rate",
    },
]


def _schema_version(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        rows = con.execute("SELECT value FROM ops_meta WHERE key = ?", [VERSION_KEY]).fetchall()
    except duckdb.CatalogException:  # a new, empty store
        return None
    return rows[0][0] if rows else None


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing operational tables and seed the default rules the first time."""
    if _schema_version(con) == SCHEMA_VERSION:
        return
    with transaction(con):
        con.execute(OPS_DDL)
        seeded = con.execute("SELECT 1 FROM ops_meta WHERE key = ?", [SEEDED_KEY]).fetchall()
        if not seeded and not con.execute("SELECT 1 FROM rules LIMIT 1").fetchall():
            now = utc_now()
            for priority, rule in enumerate(DEFAULT_RULES, start=1):
                con.execute(
                    "INSERT INTO rules VALUES (?, ?, ?, ?, ?, ?, ?, ?, true, ?, ?)",
                    [priority, rule["name"], priority, json.dumps(rule["conditions"]),
                     rule["action"], rule["channel"], rule["offer"], rule["kpi"], now, now],
                )
        con.execute(
            "INSERT OR REPLACE INTO ops_meta VALUES (?, 'true'), (?, ?)",
            [SEEDED_KEY, VERSION_KEY, SCHEMA_VERSION],
        )


@contextmanager
def open_ops(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-write connection to the operational store, schema ensured."""
    con = connect_with_retry(ops_path(db))
    try:
        ensure(con)
        yield con
    finally:
        con.close()
